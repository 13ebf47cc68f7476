package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
)

// joins counts duplicates, so a test knows its duplicates are waiting on
// the running call before it moves on: while the call runs, a duplicate in
// the same runtime joins it, and the runtime reports EventDuplicate.
type joins struct{ n atomic.Int64 }

func (j *joins) observe(ev baldur.Event) {
	if ev.Kind == baldur.EventDuplicate {
		j.n.Add(1)
	}
}

// testThousandGoroutines is I1: 1000 concurrent duplicates, one side
// effect, one result for all.
func testThousandGoroutines(t *testing.T, f *fixture) {
	var j joins
	e := f.engine(config{observe: j.observe})
	concurrentOnce(t, []*engine{e}, 1000, func() bool { return j.n.Load() == 999 })
}

// testFourEngines is I1 across runtimes that share only the store, as
// replicas do; the real clock drives their polling.
func testFourEngines(t *testing.T, f *fixture) {
	var es []*engine
	for range 4 {
		es = append(es, newEngine(t, f.store, config{IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Millisecond), PollMax: baldur.Set(10 * time.Millisecond)}}))
	}
	concurrentOnce(t, es, 250, nil)
}

// concurrentOnce calls Charge perEngine times on each engine at once; the
// one inner call is held until ready() (or, when nil, until every caller
// has started).
func concurrentOnce(t *testing.T, es []*engine, perEngine int, ready func() bool) {
	ctx := testContext(t)
	svc := &service{gate: make(chan struct{})}
	var (
		wg      sync.WaitGroup
		started atomic.Int64
		outs    = make(chan outcome, len(es)*perEngine)
	)
	for _, e := range es {
		for range perEngine {
			wg.Go(func() {
				started.Add(1)
				r, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 100}, svc.charge)
				outs <- outcome{r, err}
			})
		}
	}
	if ready == nil {
		ready = func() bool { return started.Load() == int64(len(es)*perEngine) }
	}
	testenv.Eventually(t, "every duplicate waits", func() bool { return svc.calls.Load() == 1 && ready() })
	close(svc.gate)
	wg.Wait()
	close(outs)
	var first *receipt
	for o := range outs {
		if o.err != nil {
			t.Fatalf("a caller got %v", o.err)
		}
		if first == nil {
			first = &o.r
		} else if o.r != *first {
			t.Fatalf("callers got different results: %+v and %+v", o.r, *first)
		}
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// testWaitersShareFailure: duplicates waiting on a call that fails get its
// real error, never nil with a zero result.
func testWaitersShareFailure(t *testing.T, f *fixture) {
	ctx := testContext(t)
	var j joins
	e := f.engine(config{observe: j.observe})
	boom := errors.New("gateway 503")
	svc := &service{gate: make(chan struct{}), fail: boom}
	var outs []<-chan outcome
	for range 10 {
		outs = append(outs, goCharge(ctx, e, "o-1", 1, svc))
	}
	testenv.Eventually(t, "nine duplicates join", func() bool { return j.n.Load() == 9 })
	close(svc.gate)
	for _, ch := range outs {
		if o := recv(t, ch); !errors.Is(o.err, boom) {
			t.Fatalf("a caller got %+v, %v; want the inner error", o.r, o.err)
		}
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

func testWaitModes(t *testing.T, f *fixture) {
	ctx := testContext(t)
	fail := baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)}
	owner := f.engine(config{IdempotencyConfig: fail})
	svc := &service{gate: make(chan struct{})}
	first := goCharge(ctx, owner, "o-1", 1, svc)
	testenv.Eventually(t, "the first call runs", func() bool { return svc.calls.Load() == 1 })

	// InFlightFail: a local duplicate and one in another runtime fail at once.
	if o := recv(t, goCharge(ctx, owner, "o-1", 1, svc)); !errors.Is(o.err, baldur.ErrInFlight) {
		t.Fatalf("local duplicate with InFlightFail: %v, want ErrInFlight", o.err)
	}
	remote := f.engine(config{IdempotencyConfig: fail})
	if o := recv(t, goCharge(ctx, remote, "o-1", 1, svc)); !errors.Is(o.err, baldur.ErrInFlight) {
		t.Fatalf("remote duplicate with InFlightFail: %v, want ErrInFlight", o.err)
	}
	quiet(t, f.clock)

	// A bound: ErrInFlight once it passes on the fake clock.
	bounded := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightWaitAtMost(5 * time.Second)), PollMin: baldur.Set(time.Minute), PollMax: baldur.Set(time.Minute)}})
	ch := goCharge(ctx, bounded, "o-1", 1, svc)
	if err := f.clock.WaitForTimers(ctx, 2); err != nil { // the poll and the bound
		t.Fatal(err)
	}
	f.clock.Advance(5 * time.Second)
	if o := recv(t, ch); !errors.Is(o.err, baldur.ErrInFlight) {
		t.Fatalf("bounded wait: %v, want ErrInFlight", o.err)
	}
	quiet(t, f.clock)

	// No bound: the duplicate gets the result once the owner is done.
	patient := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Second), PollMax: baldur.Set(time.Second)}})
	ch = goCharge(ctx, patient, "o-1", 1, svc)
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	close(svc.gate)
	want := recv(t, first)
	if want.err != nil {
		t.Fatal(want.err)
	}
	f.clock.Advance(time.Second)
	if o := recv(t, ch); o.err != nil || o.r != want.r {
		t.Fatalf("patient duplicate: %+v, %v; want %+v", o.r, o.err, want.r)
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// testPanic: a panic in the inner call reaches the caller as a panic with
// *PanicError, and the key is freed.
func testPanic(t *testing.T, f *fixture) {
	ctx, e := testContext(t), f.engine(config{})
	var calls atomic.Int64
	inner := func(context.Context, int64) (receipt, error) {
		if calls.Add(1) == 1 {
			panic("gateway client bug")
		}
		return receipt{ID: "second"}, nil
	}
	func() {
		defer func() {
			pe, ok := recover().(*baldur.PanicError)
			if !ok || pe.Value != "gateway client bug" {
				t.Fatalf("recovered %v, want *PanicError", pe)
			}
		}()
		_, _ = charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, inner)
		t.Fatal("charge returned instead of panicking")
	}()
	if r, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, inner); err != nil || r.ID != "second" {
		t.Fatalf("call after the panic: %+v, %v; want a new run", r, err)
	}
}
