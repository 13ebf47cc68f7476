package baldur_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// Every retry sleep and timeout runs on a timer; none may outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	errBoom     = errors.New("boom")
	errDeclined = errors.New("declined")
	bg          = context.Background()
	// The fake clock starts at the real time so that a context deadline
	// derived from it is still ahead of the real clock that package
	// context checks.
	epoch = time.Now().Truncate(time.Second)
)

// env is a Runtime on a fake clock that records its events.
type env struct {
	t     *testing.T
	clock *baldurtest.Clock
	rt    *baldur.Runtime

	mu     sync.Mutex
	events []baldur.Event
}

func newEnv(t *testing.T, config string) *env {
	t.Helper()
	e := &env{t: t, clock: baldurtest.NewClock(epoch)}
	rt, err := baldur.New(
		baldur.WithClock(e.clock),
		baldur.WithConfigYAML([]byte(config)),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithObserver(func(ev baldur.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	e.rt = rt
	t.Cleanup(func() { rt.Close() })
	return e
}

func (e *env) policy(spec baldur.Spec) *baldur.Policy {
	if spec.Method == "" {
		spec.Method = "test.Dep." + spec.Name
	}
	return e.rt.Policy(spec)
}

// count is how many events of kind k were emitted.
func (e *env) count(k baldur.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// transitions lists the breaker transitions seen, as "from>to".
func (e *env) transitions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		if ev.Kind == baldur.EventBreakerTransition {
			out = append(out, ev.From.String()+">"+ev.To.String())
		}
	}
	return out
}

// counter is an inner method that counts its calls and returns err.
type counter struct {
	mu    sync.Mutex
	calls int
}

func (c *counter) fn(err error) func(context.Context) error {
	return func(context.Context) error {
		c.mu.Lock()
		c.calls++
		c.mu.Unlock()
		return err
	}
}

func (c *counter) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// do makes one call through p whose inner method returns err.
func do(p *baldur.Policy, err error) error {
	return p.Do(bg, nil, func(context.Context) error { return err })
}

func wantState(t *testing.T, b *baldur.CircuitBreaker, want baldur.State) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("breaker %s is %v, want %v", b.Name(), got, want)
	}
}

// waitCallTimers waits, with a deadline, until n timers of calls are set
// on clock: that is how a test knows a call went to sleep on it.
func waitCallTimers(t *testing.T, clock *baldurtest.Clock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if err := clock.WaitForCallTimers(ctx, n); err != nil {
		t.Fatalf("waiting for %d call timers (have %d): %v", n, clock.CallTimers(), err)
	}
}
