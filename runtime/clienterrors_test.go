package baldur_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// peerDown stands for a client library's "could not reach the peer" that
// is no net error: gRPC's Unavailable with a transport cause, say.
type peerDown struct{ msg string }

func (e *peerDown) Error() string { return e.msg }

// errLeafDown is the same, as a sentinel that wraps nothing: the retry
// path's shortcut for such errors must ask the libraries too.
var errLeafDown = errors.New("transport: dial failed")

func readsPeerDown(err error) bool {
	var pd *peerDown
	return errors.As(err, &pd) || err == errLeafDown
}

func TestWithClientErrorsConnectionForTheMesh(t *testing.T) {
	const config = `
mesh: {owns_network_retries: true}
defaults:
  retry: {initial_delay: 0s}
breakers:
  dep: {size: 10, minimum_calls: 10}
`
	for name, down := range map[string]error{
		"typed": fmt.Errorf("call: %w", &peerDown{"unavailable: connection refused"}),
		"leaf":  errLeafDown,
	} {
		t.Run(name, func(t *testing.T) {
			// Without the library's reading the runtime cannot tell.
			e := newEnv(t, config)
			if e.rt.IsConnectionError(down) {
				t.Fatal("IsConnectionError without WithClientErrors")
			}
			var inner counter
			e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3}).Do(bg, nil, inner.fn(down))
			if inner.n() != 3 {
				t.Fatalf("without the reading: %d attempts, want 3", inner.n())
			}

			rt := clientEnv(t, config, baldur.WithClientErrors(baldur.ClientErrors{Connection: readsPeerDown})).rt
			if !rt.IsConnectionError(down) || baldur.IsConnectionError(down) {
				t.Fatalf("rt.IsConnectionError %v, package IsConnectionError %v; want true, false",
					rt.IsConnectionError(down), baldur.IsConnectionError(down))
			}
			p := rt.Policy(baldur.Spec{Name: "dep", Method: "test.Dep.Call", Retry: true, Attempts: 3, Breaker: "dep"})
			inner = counter{}
			err := p.Do(bg, nil, inner.fn(down))
			if inner.n() != 1 || !errors.Is(err, down) {
				t.Fatalf("with the reading: %d attempts, err %v; want 1 (the mesh retries it)", inner.n(), err)
			}
			if m := p.Breaker().Metrics(); m.Failures != 1 {
				t.Fatalf("breaker %+v: the connection error must still count as a failure", m)
			}
		})
	}
}

func TestWithClientErrorsNeedsAReading(t *testing.T) {
	_, err := baldur.New(baldur.WithClientErrors(baldur.ClientErrors{}))
	if err == nil || !strings.Contains(err.Error(), "WithClientErrors") {
		t.Fatalf("err %v, want WithClientErrors refusing an empty ClientErrors", err)
	}
}

// busy is a peer's answer that asks for a delay, as an HTTP 503 with
// Retry-After does.
type busy struct{ after time.Duration }

func (e *busy) Error() string             { return "busy" }
func (e *busy) RetryAfter() time.Duration { return e.after }

func TestRetryAfterFindsTheRequestInTheChain(t *testing.T) {
	b := &busy{after: 3 * time.Second}
	for name, err := range map[string]error{
		"itself":  b,
		"wrapped": fmt.Errorf("call: %w", b),
		"timeout": &baldur.TimeoutError{Policy: "p", Timeout: time.Second, Err: b},
		"joined":  errors.Join(errBoom, b),
	} {
		if d, ok := baldur.RetryAfter(err); !ok || d != 3*time.Second {
			t.Errorf("%s: RetryAfter = %v, %v; want 3s, true", name, d, ok)
		}
	}
	if d, ok := baldur.RetryAfter(errBoom); ok {
		t.Errorf("RetryAfter(boom) = %v, true", d)
	}
}

// retryDelay runs one call of two attempts whose first fails with err,
// and returns the delay the retry event announced, once the call has slept
// it on the fake clock. Every delay in these tests is positive.
func retryDelay(t *testing.T, e *env, p *baldur.Policy, err error) time.Duration {
	t.Helper()
	result := make(chan error)
	go func() { result <- p.Do(bg, nil, func(context.Context) error { return err }) }()
	waitCallTimers(t, e.clock, 1)
	var delay time.Duration
	e.mu.Lock()
	for _, ev := range e.events {
		if ev.Kind == baldur.EventRetry {
			delay = ev.Delay
		}
	}
	e.events = nil
	e.mu.Unlock()
	e.clock.Advance(delay)
	<-result
	return delay
}

// clientEnv is newEnv with more options.
func clientEnv(t *testing.T, config string, opts ...baldur.Option) *env {
	t.Helper()
	e := &env{t: t, clock: baldurtest.NewClock(epoch)}
	opts = append(opts, baldur.WithClock(e.clock), baldur.WithConfigYAML([]byte(config)),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithObserver(func(ev baldur.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		}))
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.rt = rt
	t.Cleanup(func() { rt.Close() })
	return e
}

// The peer's Retry-After is the minimum delay: longer than the backoff it
// wins, shorter it does not, and retry.max_delay caps it.
func TestRetryAfterIsTheMinimumDelayCapped(t *testing.T) {
	e := newEnv(t, `
defaults:
  retry: {initial_delay: 100ms, max_delay: 5s, jitter: none}
  budget: {enabled: false}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 2})
	for _, c := range []struct {
		name string
		err  error
		want time.Duration
	}{
		{"no request", errBoom, 100 * time.Millisecond},
		{"longer than the backoff", &busy{after: 2 * time.Second}, 2 * time.Second},
		{"shorter than the backoff", &busy{after: 10 * time.Millisecond}, 100 * time.Millisecond},
		{"past max_delay", &busy{after: time.Hour}, 5 * time.Second},
		{"wrapped", fmt.Errorf("call: %w", &busy{after: time.Second}), time.Second},
	} {
		if got := retryDelay(t, e, p, c.err); got != c.want {
			t.Errorf("%s: slept %v, want %v", c.name, got, c.want)
		}
	}
}

// A library whose error type cannot carry the method (a gRPC status with a
// RetryInfo detail) gives its reading with WithClientErrors.
func TestWithClientErrorsRetryAfter(t *testing.T) {
	errPushback := errors.New("pushback")
	e := clientEnv(t, "defaults:\n  retry: {initial_delay: 100ms, jitter: none}\n  budget: {enabled: false}\n",
		baldur.WithClientErrors(baldur.ClientErrors{RetryAfter: func(err error) (time.Duration, bool) {
			return 1500 * time.Millisecond, errors.Is(err, errPushback)
		}}))
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 2})
	if got := retryDelay(t, e, p, errPushback); got != 1500*time.Millisecond {
		t.Fatalf("slept %v, want the library's 1.5s", got)
	}
	if got := retryDelay(t, e, p, errBoom); got != 100*time.Millisecond {
		t.Fatalf("slept %v, want the backoff", got)
	}
}
