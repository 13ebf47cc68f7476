package baldur_test

import (
	"context"
	"errors"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

func TestC9IllegalManualTransitionChangesNothing(t *testing.T) {
	_, p, b := breakerPolicy(t)
	for _, to := range []baldur.State{baldur.StateHalfOpen, baldur.StateOpen} {
		if err := b.Transition(to); !errors.Is(err, baldur.ErrIllegalTransition) {
			t.Fatalf("Transition(%v) = %v, want ErrIllegalTransition", to, err)
		}
		wantState(t, b, baldur.StateClosed)
	}
	do(p, errBoom)
	if m := b.Metrics(); m.Calls != 1 {
		t.Fatalf("window lost by an illegal transition: %+v", m)
	}
}

// C10: retry(7) outside a breaker that opens after 3 failures: the inner
// method runs 3 times and the caller gets the open-circuit error, which
// nothing retries further.
func TestC10RetryOutsideBreaker(t *testing.T) {
	e := newEnv(t, `
policies:
  dep:
    retry: {initial_delay: 0s}
breakers:
  dep: {size: 3, minimum_calls: 3, failure_rate: 100}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 7, Breaker: "dep"})
	var inner counter
	err := p.Do(bg, nil, inner.fn(errBoom))
	if inner.n() != 3 {
		t.Fatalf("inner called %d times, want 3", inner.n())
	}
	var re *baldur.RetryError
	if !errors.As(err, &re) || re.Attempts != 4 || !errors.Is(re.Last(), baldur.ErrBreakerOpen) || !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want a RetryError of 4 attempts ending in ErrBreakerOpen", err)
	}
	outer := e.policy(baldur.Spec{Name: "outer", Retry: true, Attempts: 5})
	if outer.Do(bg, nil, func(ctx context.Context) error { return p.Do(ctx, nil, inner.fn(errBoom)) }); inner.n() != 3 {
		t.Fatalf("an enclosing retry reached the inner method: %d calls", inner.n())
	}
}

func TestBreakerIsSharedByName(t *testing.T) {
	e := newEnv(t, `
breakers:
  gateway: {size: 4, minimum_calls: 4}
`)
	charge := e.policy(baldur.Spec{Name: "charge", Breaker: "gateway"})
	status := e.policy(baldur.Spec{Name: "status", Breaker: "gateway"})
	if charge.Breaker() != status.Breaker() || e.rt.Breaker("gateway") != charge.Breaker() {
		t.Fatal("two policies naming breaker gateway got different breakers")
	}
	do(charge, errBoom)
	do(charge, errBoom)
	do(status, errBoom)
	do(status, errBoom)
	if err := do(status, nil); !errors.Is(err, baldur.ErrBreakerOpen) {
		t.Fatalf("status after 4 shared failures: %v, want ErrBreakerOpen", err)
	}
}

func TestManualForceOpenCloseDisable(t *testing.T) {
	e, p, b := breakerPolicy(t)
	b.ForceOpen()
	e.clock.Advance(time.Hour)
	if err := do(p, nil); !errors.Is(err, baldur.ErrBreakerOpen) {
		t.Fatalf("forced open, an hour later: %v, want ErrBreakerOpen", err)
	}
	b.Disable()
	for range 20 {
		if err := do(p, errBoom); !errors.Is(err, errBoom) {
			t.Fatalf("disabled breaker: %v", err)
		}
	}
	wantState(t, b, baldur.StateDisabled)
	if m := b.Metrics(); m.Calls != 0 {
		t.Fatalf("disabled breaker recorded calls: %+v", m)
	}
	b.Close()
	open(t, p) // closed by hand, it opens on failures as usual
	if err := b.Transition(baldur.StateClosed); err != nil {
		t.Fatal(err)
	}
	wantState(t, b, baldur.StateClosed)
	e.clock.Advance(time.Hour) // the stopped open timer must not fire
	wantState(t, b, baldur.StateClosed)
}

// After Close, no breaker starts a timer: not when an operator closes or
// forces it, not for a time window, not for a breaker built afterwards.
func TestClosedRuntimeStartsNoTimers(t *testing.T) {
	e := newEnv(t, `
defaults:
  retry: {initial_delay: 0s}
  breaker: {window: time, span: 10s, buckets: 10, minimum_calls: 1}
`)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep", Retry: true, Attempts: 2})
	e.rt.Close()
	b := p.Breaker()
	b.Close()
	do(p, errBoom) // opens the breaker, and would activate the retry budget
	b.ForceOpen()
	b.Close()
	e.policy(baldur.Spec{Name: "late", Breaker: "late"})
	if n := e.clock.Timers(); n != 0 {
		t.Fatalf("%d timers set after Close", n)
	}
}
