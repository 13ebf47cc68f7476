package baldur_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// The resilience4j state-machine test's numbers: window 5, threshold 50 %,
// 4 half-open probes, 5 s open; the half-open max wait is 2 s so that the
// probe at +6 s of C3 still finds the breaker half-open.
const c1Config = `
breakers:
  dep:
    size: 5
    minimum_calls: 5
    failure_rate: 50
    open_for: 5s
    half_open_probes: 4
    half_open_max_wait: 2s
`

func breakerPolicy(t *testing.T) (*env, *baldur.Policy, *baldur.CircuitBreaker) {
	e := newEnv(t, c1Config)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep", Ignore: []error{errDeclined}})
	return e, p, p.Breaker()
}

// open drives the breaker open with failures.
func open(t *testing.T, p *baldur.Policy) {
	t.Helper()
	for p.Breaker().State() != baldur.StateOpen {
		if errors.Is(do(p, errBoom), baldur.ErrBreakerOpen) {
			t.Fatal("rejected while opening")
		}
	}
}

// halfOpen opens the breaker and lets its open period end.
func halfOpen(t *testing.T, e *env, p *baldur.Policy) {
	t.Helper()
	open(t, p)
	e.clock.Advance(5 * time.Second)
	wantState(t, p.Breaker(), baldur.StateHalfOpen)
}

func TestC1OpensOnlyOnceMinimumCallsAreIn(t *testing.T) {
	_, p, b := breakerPolicy(t)
	for _, err := range []error{errBoom, errBoom, nil, errBoom} {
		do(p, err)
	}
	wantState(t, b, baldur.StateClosed)
	m := b.Metrics()
	if m.Calls != 4 || m.Failures != 3 || m.FailureRate != -1 {
		t.Fatalf("after 4 calls: %+v, want 4 calls, 3 failures, rate -1 (not computed)", m)
	}
	do(p, nil) // 3 of 5 failed: 60 % >= 50 %
	wantState(t, b, baldur.StateOpen)
}

func TestC2HalfOpenAdmitsExactlyNProbes(t *testing.T) {
	e, p, b := breakerPolicy(t)
	halfOpen(t, e, p)

	release := make(chan struct{})
	started := make(chan struct{}, 10)
	results := make(chan error, 10)
	for range 4 {
		go func() {
			results <- p.Do(bg, nil, func(context.Context) error {
				started <- struct{}{}
				<-release
				return nil
			})
		}()
	}
	for range 4 {
		<-started
	}
	if err := do(p, nil); !errors.Is(err, baldur.ErrBreakerOpen) {
		t.Fatalf("5th call while 4 probes run: %v, want ErrBreakerOpen", err)
	}
	if m := b.Metrics(); m.ProbesLeft != 0 {
		t.Fatalf("probes left = %d, want 0", m.ProbesLeft)
	}
	// A probe that gives its permit back (an ignored error) frees exactly
	// one slot.
	release <- struct{}{}
	<-results
	if m := b.Metrics(); m.ProbesLeft != 0 || m.ProbeSuccesses != 1 {
		t.Fatalf("after one success: %+v, want 0 left, 1 success", m)
	}
	close(release)
	for range 3 {
		<-results
	}
	wantState(t, b, baldur.StateClosed)
}

func TestC2ThousandGoroutinesAtTheOpenTimeoutGetNProbes(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 20
	}
	for range runs {
		e, p, b := breakerPolicy(t)
		open(t, p)
		var inner counter
		gate := make(chan struct{})
		done := make(chan struct{})
		results := make(chan error, 1000)
		for range 1000 {
			go func() {
				<-gate
				results <- p.Do(bg, nil, func(ctx context.Context) error {
					inner.fn(nil)(ctx)
					<-done
					return nil
				})
			}()
		}
		e.clock.Advance(5 * time.Second) // the open period ends...
		close(gate)                      // ...and everyone arrives at once
		rejected := 0
		for rejected < 1000-4 {
			if err := <-results; !errors.Is(err, baldur.ErrBreakerOpen) {
				t.Fatalf("a call got %v while the probes were still running", err)
			}
			rejected++
		}
		close(done)
		for range 4 {
			if err := <-results; err != nil {
				t.Fatal(err)
			}
		}
		if inner.n() != 4 {
			t.Fatalf("inner called %d times, want exactly 4", inner.n())
		}
		wantState(t, b, baldur.StateClosed)
	}
}

func TestC3OpenRejectsFastUntilTheOpenPeriodEnds(t *testing.T) {
	e, p, b := breakerPolicy(t)
	open(t, p)
	e.clock.Advance(3 * time.Second)
	var inner counter
	for range 10 {
		err := p.Do(bg, nil, inner.fn(nil))
		var boe *baldur.BreakerOpenError
		if !errors.As(err, &boe) || boe.Breaker != "dep" || boe.State != baldur.StateOpen {
			t.Fatalf("call at +3s: %v, want a *BreakerOpenError for dep, open", err)
		}
	}
	if inner.n() != 0 || e.count(baldur.EventBreakerRejected) != 10 {
		t.Fatalf("inner ran %d times, %d rejections seen; want 0 and 10", inner.n(), e.count(baldur.EventBreakerRejected))
	}
	if m := b.Metrics(); m.State != baldur.StateOpen || m.Calls != 0 || m.Failures != 0 {
		t.Fatalf("rejections were counted as calls: %+v", m)
	}
	e.clock.Advance(3 * time.Second) // +6s
	wantState(t, b, baldur.StateHalfOpen)
	if m := b.Metrics(); m.ProbesLeft != 4 || m.ProbeSuccesses != 0 {
		t.Fatalf("half-open metrics not reset: %+v", m)
	}
	if err := p.Do(bg, nil, inner.fn(nil)); err != nil || inner.n() != 1 {
		t.Fatalf("first probe: %v, inner %d; want it to pass", err, inner.n())
	}
}

func TestC4HalfOpenFailureReopensWithAFreshTimer(t *testing.T) {
	e, p, b := breakerPolicy(t)
	halfOpen(t, e, p)
	e.clock.Advance(500 * time.Millisecond)
	do(p, errBoom)
	wantState(t, b, baldur.StateOpen)
	e.clock.Advance(5*time.Second - time.Millisecond)
	wantState(t, b, baldur.StateOpen) // the timer restarted at the failure
	e.clock.Advance(time.Millisecond)
	wantState(t, b, baldur.StateHalfOpen)
}

func TestC4HalfOpenSuccessesCloseWithAnEmptyWindow(t *testing.T) {
	e, p, b := breakerPolicy(t)
	halfOpen(t, e, p)
	for i := range 4 {
		wantState(t, b, baldur.StateHalfOpen)
		if err := do(p, nil); err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
	}
	wantState(t, b, baldur.StateClosed)
	want := baldur.BreakerMetrics{State: baldur.StateClosed, Since: e.clock.Now(), FailureRate: -1, SlowCallRate: -1}
	if m := b.Metrics(); m != want {
		t.Fatalf("metrics after closing = %+v, want %+v", m, want)
	}
	if got, want := e.transitions(), []string{"closed>open", "open>half-open", "half-open>closed"}; !slices.Equal(got, want) {
		t.Fatalf("transitions %v, want %v", got, want)
	}
}
