package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// advanceUntil moves the fake clock by step until ch yields, for callers
// that poll the store on the fake clock.
func advanceUntil(t testing.TB, c *baldurtest.Clock, step time.Duration, ch <-chan outcome) outcome {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case o := <-ch:
			return o
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("call did not return")
		}
		c.Advance(step)
		time.Sleep(time.Millisecond) // let the pollers run; not a wait for state
	}
}

// testOrphanTakeover is I3: a record left in flight by a dead owner blocks
// its key until the lease ends, then exactly one of two racing engines
// runs the call and both get its result.
func testOrphanTakeover(t *testing.T, f *fixture) {
	ctx := testContext(t)
	orphan := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: "DEADOWNER", Fingerprint: fingerprint(`{"Amount":1}`), Expires: epoch.Add(5 * time.Second)}
	if _, claimed, err := f.store.Claim(ctx, chargeKey("o-1"), orphan, epoch); err != nil || !claimed {
		t.Fatalf("planting the orphan: %v, %v", claimed, err)
	}
	svc := &service{}
	hurry := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)}})
	if o := recv(t, goCharge(ctx, hurry, "o-1", 1, svc)); !errors.Is(o.err, baldur.ErrInFlight) {
		t.Fatalf("before the lease ends: %v, want ErrInFlight", o.err)
	}
	cfg := config{clock: shiftedTo(epoch.Add(6 * time.Second)), IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Millisecond), PollMax: baldur.Set(10 * time.Millisecond)}}
	a := goCharge(ctx, f.engine(cfg), "o-1", 1, svc)
	b := goCharge(ctx, f.engine(cfg), "o-1", 1, svc)
	oa, ob := recv(t, a), recv(t, b)
	if oa.err != nil || ob.err != nil || oa.r != ob.r {
		t.Fatalf("racers got %+v, %v and %+v, %v; want one shared result", oa.r, oa.err, ob.r, ob.err)
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// testOwnerCancelledLocal is I12: the first caller gives up; it returns at
// once, its duplicates get the real result, and the call runs once.
func testOwnerCancelledLocal(t *testing.T, f *fixture) {
	ctx := testContext(t)
	var j joins
	e := f.engine(config{observe: j.observe})
	svc := &service{gate: make(chan struct{})}
	ownerCtx, cancel := context.WithCancel(ctx)
	owner := goCharge(ownerCtx, e, "o-1", 1, svc)
	testenv.Eventually(t, "the first call runs", func() bool { return svc.calls.Load() == 1 })
	var dups []<-chan outcome
	for range 5 {
		dups = append(dups, goCharge(ctx, e, "o-1", 1, svc))
	}
	testenv.Eventually(t, "five duplicates join", func() bool { return j.n.Load() == 5 })
	cancel()
	if o := recv(t, owner); !errors.Is(o.err, context.Canceled) { // the gate is still shut
		t.Fatalf("cancelled first caller: %v, want context.Canceled", o.err)
	}
	close(svc.gate)
	for _, ch := range dups {
		if o := recv(t, ch); o.err != nil || o.r.ID == "" {
			t.Fatalf("duplicate got %+v, %v; want the real result", o.r, o.err)
		}
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// testOwnerCancelledAlone: with nobody else waiting the call is cancelled,
// but the key stays in flight until the inner call has returned, so no
// second execution overlaps it; then the key is free again.
func testOwnerCancelledAlone(t *testing.T, f *fixture) {
	ctx := testContext(t)
	e := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)}})
	gate := make(chan struct{})
	var calls atomic.Int64
	stubborn := func(ctx context.Context, _ int64) (receipt, error) { // ignores ctx
		calls.Add(1)
		<-gate
		return receipt{}, ctx.Err()
	}
	ownerCtx, cancel := context.WithCancel(ctx)
	owner := make(chan error, 1)
	go func() {
		_, err := charge(ownerCtx, e, "charge-customer", "o-1", chargeArgs{}, stubborn)
		owner <- err
	}()
	testenv.Eventually(t, "the call runs", func() bool { return calls.Load() == 1 })
	cancel()
	if err := <-owner; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	svc := &service{}
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, svc.charge); !errors.Is(err, baldur.ErrInFlight) {
		t.Fatalf("while the cancelled call still runs: %v, want ErrInFlight", err)
	}
	close(gate)
	testenv.Eventually(t, "the key is released", func() bool {
		_, ok, _ := f.store.Get(ctx, chargeKey("o-1"))
		return !ok
	})
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, svc.charge); err != nil || svc.calls.Load() != 1 {
		t.Fatalf("after release: %v with %d calls; want a new run", err, svc.calls.Load())
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("cancelled inner ran %d times", n)
	}
}

// testOwnerCancelledRemote: a duplicate in another engine never sees the
// owner's context.Canceled; it takes the key over and gets a real result.
func testOwnerCancelledRemote(t *testing.T, f *fixture) {
	ctx := testContext(t)
	svc := &service{gate: make(chan struct{})}
	ownerCtx, cancel := context.WithCancel(ctx)
	owner := goCharge(ownerCtx, f.engine(config{}), "o-1", 1, svc)
	testenv.Eventually(t, "the first call runs", func() bool { return svc.calls.Load() == 1 })
	other := goCharge(ctx, f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Second), PollMax: baldur.Set(time.Second)}}), "o-1", 1, &service{})
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if o := recv(t, owner); !errors.Is(o.err, context.Canceled) {
		t.Fatalf("owner: %v", o.err)
	}
	if o := advanceUntil(t, f.clock, time.Second, other); o.err != nil || o.r.ID == "" {
		t.Fatalf("remote duplicate got %+v, %v; want a real result", o.r, o.err)
	}
}

// testLateOwnerFenced is I13 through the engine: the owner outlives its
// lease (no renewal), another engine takes over, and the late owner's
// completion is refused with ErrLeaseLost.
func testLateOwnerFenced(t *testing.T, f *fixture) {
	ctx := testContext(t)
	slow := &service{gate: make(chan struct{})}
	a := goCharge(ctx, f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{Lease: baldur.Set(30 * time.Second)}}), "o-1", 1, slow)
	testenv.Eventually(t, "A runs", func() bool { return slow.calls.Load() == 1 })
	f.clock.Advance(31 * time.Second)
	next := &service{gate: make(chan struct{}), started: make(chan string, 1)}
	b := goCharge(ctx, f.engine(config{}), "o-1", 1, next)
	id := <-next.started
	close(slow.gate)
	if o := recv(t, a); !errors.Is(o.err, baldur.ErrLeaseLost) || !errors.Is(o.err, baldur.ErrNotRecorded) || o.r.ID == "" {
		t.Fatalf("late owner: %+v, %v; want its real result, ErrLeaseLost and ErrNotRecorded", o.r, o.err)
	}
	close(next.gate)
	if o := recv(t, b); o.err != nil || o.r.ID != id {
		t.Fatalf("successor: %+v, %v", o.r, o.err)
	}
	if o := recv(t, goCharge(ctx, f.engine(config{}), "o-1", 1, &service{})); o.r.ID != id {
		t.Fatalf("duplicate got %+v, %v; want the successor's result %s", o.r, o.err, id)
	}
}

// testHeartbeat: a call longer than its lease keeps the key while its owner
// lives. The owner renews the lease; on a LocalStore, whose records cannot
// outlive their owner, the claim holds the key until the call ends and
// nothing is renewed.
func testHeartbeat(t *testing.T, f *fixture) {
	ctx := testContext(t)
	svc := &service{gate: make(chan struct{})}
	owner := goCharge(ctx, f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{Lease: baldur.Set(30 * time.Second), RenewEvery: baldur.Set(10 * time.Second)}}), "o-1", 1, svc)
	if isLocal(f.store) {
		testenv.Eventually(t, "the call runs", func() bool { return svc.calls.Load() == 1 })
		claimed, _, _ := f.store.Get(ctx, chargeKey("o-1"))
		if !claimed.Expires.After(epoch.Add(time.Hour)) {
			t.Fatalf("claim on a local store expires at %v; want it held for as long as the call runs", claimed.Expires)
		}
		f.clock.Advance(40 * time.Second)
		if rec, _, _ := f.store.Get(ctx, chargeKey("o-1")); rec.State != baldur.RecordInFlight || rec.Token != claimed.Token || !rec.Expires.Equal(claimed.Expires) {
			t.Fatalf("after 40 s the record is %+v; want the claim unchanged, %+v", rec, claimed)
		}
		if n := f.clock.Timers(); n != 0 {
			t.Fatalf("%d timers wait on a local store; want no renewal", n)
		}
	} else {
		for i := 1; i <= 4; i++ { // 40 s: past the first lease
			if err := f.clock.WaitForTimers(ctx, 1); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(10 * time.Second)
			want := epoch.Add(time.Duration(i)*10*time.Second + 30*time.Second)
			testenv.Eventually(t, "the lease is renewed", func() bool {
				rec, _, _ := f.store.Get(ctx, chargeKey("o-1"))
				return rec.Expires.Equal(want)
			})
		}
	}
	if o := recv(t, goCharge(ctx, f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)}}), "o-1", 1, svc)); !errors.Is(o.err, baldur.ErrInFlight) {
		t.Fatalf("duplicate after 40 s of a 30 s lease: %v, want ErrInFlight", o.err)
	}
	close(svc.gate)
	if o := recv(t, owner); o.err != nil {
		t.Fatal(o.err)
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// isLocal reports whether s says it lives in this process.
func isLocal(s baldur.IdempotencyStore) bool {
	l, ok := s.(baldur.LocalIdempotencyStore)
	return ok && l.Local()
}
