package baldur_test

import (
	"context"
	"fmt"
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
breakers:
  dep: {window: `+window+`, size: 100000, span: 60s, buckets: 60, minimum_calls: 100000, failure_rate: 100}
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
breakers:
  dep: {window: time, span: 10s, buckets: 10, minimum_calls: 4, failure_rate: 50}
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

func TestSlowCallRateOpens(t *testing.T) {
	e := newEnv(t, `
breakers:
  dep: {size: 4, minimum_calls: 4, slow_call: 1s, slow_call_rate: 50}
`)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	slow := func(context.Context) error { e.clock.Advance(time.Second); return nil }
	p.Do(bg, nil, slow)
	do(p, nil)
	do(p, nil)
	wantState(t, p.Breaker(), baldur.StateClosed)
	if m := p.Breaker().Metrics(); m.SlowCalls != 1 || m.Failures != 0 {
		t.Fatalf("metrics %+v, want 1 slow call, no failure", m)
	}
	p.Do(bg, nil, slow) // 2 of 4 slow
	wantState(t, p.Breaker(), baldur.StateOpen)
}

func TestTimeWindowForgetsCallsOlderThanItsSpan(t *testing.T) {
	e := newEnv(t, `
breakers:
  dep: {window: time, span: 10s, buckets: 10, minimum_calls: 4, failure_rate: 50}
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

// A time window whose periods end while calls land keeps every snapshot
// consistent: never more failures than calls, never more calls than were
// made. With one bucket, a tick used to empty the calls of a call whose
// failure it then kept ("1 failures in 0 calls").
func TestTimeWindowSnapshotsStayConsistentWhileTicking(t *testing.T) {
	for _, buckets := range []int{1, 2} {
		e := newEnv(t, fmt.Sprintf("breakers:\n  dep: {window: time, span: 2ms, buckets: %d, minimum_calls: 1048576, failure_rate: 100}\n", buckets))
		p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
		b := p.Breaker()
		const writers, each = 8, 5000
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range each {
					do(p, errBoom)
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			e.clock.Advance(time.Millisecond)
			if m := b.Metrics(); m.Failures > m.Calls || m.Calls > writers*each || m.Failures < 0 {
				t.Fatalf("buckets %d: snapshot with %d failures in %d calls", buckets, m.Failures, m.Calls)
			}
		}
	}
}
