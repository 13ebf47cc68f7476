package baldur_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// stillClock is a clock whose timers never fire: the test moves Now past a
// deadline while the attempt context's own timer has not run yet, which is
// what a socket deadline set from that context looks like when it fires
// first (go-redis with ContextTimeoutEnabled answers "i/o timeout").
type stillClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stillClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stillClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *stillClock) NewTimer(time.Duration) baldur.Timer { return stillTimer{make(chan time.Time)} }
func (c *stillClock) AfterFunc(time.Duration, func()) baldur.Timer {
	return stillTimer{}
}

type stillTimer struct{ c chan time.Time }

func (t stillTimer) C() <-chan time.Time { return t.c }
func (t stillTimer) Stop() bool          { return true }

// An attempt that fails once its deadline has passed failed because of the
// timeout, whichever timer noticed first.
func TestDeadlineFiredByTheSocketIsATimeout(t *testing.T) {
	clock := &stillClock{now: epoch}
	rt, err := baldur.New(baldur.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "test.Dep.Get", Timeout: 10 * time.Millisecond})
	ioTimeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	err = p.Do(bg, nil, func(ctx context.Context) error {
		deadline, _ := ctx.Deadline()
		clock.set(deadline)
		return ioTimeout
	})
	if !errors.Is(err, baldur.ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err %v, want a TimeoutError around the i/o timeout", err)
	}
}

// A timeout is a failure of the dependency even when the error it cut
// short is one the policy ignores: it counts for the breaker, is retried,
// and may be answered by the fallback.
func TestTimeoutAroundAnIgnoredErrorStillCounts(t *testing.T) {
	e := newEnv(t, zeroDelay+"  budget: {enabled: false}\nbreakers:\n  dep: {size: 10, minimum_calls: 10}\n")
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 2, Breaker: "dep", Timeout: 10 * time.Millisecond, Ignore: []error{errNotFound}})
	var inner counter
	err := p.Do(bg, nil, func(ctx context.Context) error {
		inner.fn(nil)(ctx)
		e.clock.Advance(10 * time.Millisecond) // the answer comes after the deadline
		return errNotFound
	})
	if inner.n() != 2 || !errors.Is(err, baldur.ErrTimeout) {
		t.Fatalf("err %v after %d attempts, want 2 timed-out attempts", err, inner.n())
	}
	if m := p.Breaker().Metrics(); m.Failures != 2 {
		t.Errorf("breaker counted %d failures, want the 2 timeouts", m.Failures)
	}
	if !p.ShouldFallback(bg, nil, err) {
		t.Error("a timeout was kept from the fallback because of the error it wrapped")
	}
}

var errNotFound = errors.New("not found")

// A retry cut short by an open breaker says so, rather than "all 4
// attempts failed" of a policy allowed 7.
func TestRetryStoppedByTheBreakerSaysSo(t *testing.T) {
	e := newEnv(t, zeroDelay+"breakers:\n  dep: {size: 3, minimum_calls: 3, failure_rate: 100}\n")
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 7, Breaker: "dep"})
	err := do(p, errBoom)
	if msg := err.Error(); !strings.Contains(msg, "stopped after 4 of 7 attempts") || !strings.Contains(msg, `circuit breaker "dep" is open`) {
		t.Fatalf("err %q", msg)
	}
}
