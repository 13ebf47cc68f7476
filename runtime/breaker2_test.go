package baldur_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// C7: gobreaker's TestCircuitBreakerInParallel shape, exact totals.
func TestC7ExactCountsUnderConcurrency(t *testing.T) {
	for _, window := range []string{"count", "time"} {
		t.Run(window, func(t *testing.T) {
			e := newEnv(t, `
policies:
  dep:
    breaker: {window: `+window+`, size: 100000, span: 60s, buckets: 60, minimum_calls: 100000, failure_rate: 100}
`)
			p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep", Ignore: []error{errDeclined}})
			var wg sync.WaitGroup
			for g := range 10 {
				wg.Go(func() {
					for i := range 10000 {
						var err error
						switch (g + i) % 4 {
						case 1:
							err = errBoom
						case 2:
							err = errDeclined
						}
						do(p, err)
					}
				})
			}
			wg.Wait()
			m := p.Breaker().Metrics()
			// Of 100,000 calls a quarter are ignored, a quarter fail.
			if m.Calls != 75000 || m.Failures != 25000 || m.State != baldur.StateClosed {
				t.Fatalf("metrics %+v, want 75000 calls, 25000 failures, closed", m)
			}
		})
	}
}

// C8: the open period runs on the clock's timers, so an NTP step of the
// wall clock either way neither pins the breaker open nor cuts the period.
func TestC8WallClockJumpsDoNotMoveTheOpenPeriod(t *testing.T) {
	for _, jump := range []time.Duration{time.Hour, -time.Hour} {
		e, p, b := breakerPolicy(t)
		open(t, p)
		e.clock.JumpWall(jump)
		e.clock.Advance(5*time.Second - time.Millisecond)
		wantState(t, b, baldur.StateOpen)
		e.clock.Advance(time.Millisecond)
		wantState(t, b, baldur.StateHalfOpen)
	}
}

func TestC8TimeWindowIgnoresWallClockJumps(t *testing.T) {
	e := newEnv(t, `
policies:
  dep:
    breaker: {window: time, span: 10s, buckets: 10, minimum_calls: 4, failure_rate: 50}
`)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	do(p, errBoom)
	do(p, nil)
	e.clock.JumpWall(-time.Hour)
	do(p, nil)
	e.clock.JumpWall(2 * time.Hour)
	if m := p.Breaker().Metrics(); m.Calls != 3 || m.Failures != 1 {
		t.Fatalf("after wall jumps: %+v, want the 3 calls still in the window", m)
	}
}

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
    breaker: {size: 3, minimum_calls: 3, failure_rate: 100}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: 7, Breaker: "dep"})
	var inner counter
	err := p.Do(bg, inner.fn(errBoom))
	if inner.n() != 3 {
		t.Fatalf("inner called %d times, want 3", inner.n())
	}
	var re *baldur.RetryError
	if !errors.As(err, &re) || re.Attempts != 4 || !errors.Is(re.Last(), baldur.ErrBreakerOpen) || !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want a RetryError of 4 attempts ending in ErrBreakerOpen", err)
	}
	outer := e.policy(baldur.Spec{Name: "outer", Retry: 5})
	if outer.Do(bg, func(ctx context.Context) error { return p.Do(ctx, inner.fn(errBoom)) }); inner.n() != 3 {
		t.Fatalf("an enclosing retry reached the inner method: %d calls", inner.n())
	}
}

func TestSlowCallRateOpens(t *testing.T) {
	e := newEnv(t, `
policies:
  dep:
    breaker: {size: 4, minimum_calls: 4, slow_call: 1s, slow_call_rate: 50}
`)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	slow := func(context.Context) error { e.clock.Advance(time.Second); return nil }
	p.Do(bg, slow)
	do(p, nil)
	do(p, nil)
	wantState(t, p.Breaker(), baldur.StateClosed)
	if m := p.Breaker().Metrics(); m.SlowCalls != 1 || m.Failures != 0 {
		t.Fatalf("metrics %+v, want 1 slow call, no failure", m)
	}
	p.Do(bg, slow) // 2 of 4 slow
	wantState(t, p.Breaker(), baldur.StateOpen)
}

func TestTimeWindowForgetsCallsOlderThanItsSpan(t *testing.T) {
	e := newEnv(t, `
policies:
  dep:
    breaker: {window: time, span: 10s, buckets: 10, minimum_calls: 4, failure_rate: 50}
`)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	for range 3 {
		do(p, errBoom)
	}
	e.clock.Advance(10 * time.Second) // the three failures slide out
	if m := p.Breaker().Metrics(); m.Calls != 0 {
		t.Fatalf("after the span: %+v, want an empty window", m)
	}
	do(p, errBoom)
	do(p, nil)
	do(p, nil)
	do(p, nil)
	wantState(t, p.Breaker(), baldur.StateClosed) // 1 of 4, not 4 of 7
	e.clock.Advance(5 * time.Second)
	do(p, errBoom)
	do(p, errBoom)
	do(p, errBoom) // 4 of 7 within the last 10 s
	wantState(t, p.Breaker(), baldur.StateOpen)
}

func TestBreakerIsSharedByName(t *testing.T) {
	e := newEnv(t, `
policies:
  gateway:
    breaker: {size: 4, minimum_calls: 4}
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
