package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
)

// testStoreFailures is I7: every store failure reaches the caller as a
// *StoreError, the inner call never runs without a claim, and a result
// that could not be recorded leaves the key in flight until its lease ends.
func testStoreFailures(t *testing.T, f *fixture) {
	ctx := testContext(t)
	fs := newFaultStore(f.store)
	e := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail), StoreTimeout: baldur.Set(100 * time.Millisecond)}})
	svc := &service{}
	down := errors.New("connection refused")
	isStore := func(err error, op string) bool {
		var se *baldur.StoreError
		return errors.Is(err, baldur.ErrIdempotencyStore) && errors.As(err, &se) && se.Op == op
	}

	fs.set("claim", down)
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, svc.charge); !isStore(err, "claim") || !errors.Is(err, down) {
		t.Fatalf("claim failure: %v, want a claim *StoreError wrapping the cause", err)
	}
	if svc.calls.Load() != 0 {
		t.Fatal("inner ran without a claim")
	}
	fs.set("claim", nil)

	fs.setHang("claim", true)
	impatient := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{StoreTimeout: baldur.Set(50 * time.Millisecond)}})
	if _, err := charge(ctx, impatient, "charge-customer", "o-1", chargeArgs{}, svc.charge); !isStore(err, "claim") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging claim: %v, want a claim *StoreError wrapping context.DeadlineExceeded", err)
	}
	fs.setHang("claim", false)

	// The method ran but its record could not be written: see
	// testNotRecorded for what its caller gets. Another runtime sees the
	// key in flight until the lease ends, then runs the method again.
	fs.set("complete", down)
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, svc.charge); !isStore(err, "complete") {
		t.Fatalf("complete failure: %v, want a complete *StoreError", err)
	}
	fs.set("complete", nil)
	if rec, ok, err := f.store.Get(ctx, chargeKey("o-1")); err != nil || !ok || rec.State != baldur.RecordInFlight {
		t.Fatalf("after a failed complete the record is %+v, %v, %v; want in flight", rec, ok, err)
	}
	other := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)}})
	if _, err := charge(ctx, other, "charge-customer", "o-1", chargeArgs{}, svc.charge); !errors.Is(err, baldur.ErrInFlight) {
		t.Fatalf("duplicate inside the lease: %v, want ErrInFlight", err)
	}
	f.clock.Advance(30 * time.Second) // the default lease
	if _, err := charge(ctx, other, "charge-customer", "o-1", chargeArgs{}, svc.charge); err != nil || svc.calls.Load() != 2 {
		t.Fatalf("after the lease: %v, %d calls; want a second run", err, svc.calls.Load())
	}

	boom := errors.New("gateway 503")
	fs.set("release", down)
	if _, err := charge(ctx, e, "charge-customer", "o-2", chargeArgs{}, (&service{fail: boom}).charge); !errors.Is(err, boom) || !isStore(err, "release") {
		t.Fatalf("release failure: %v, want the inner error and a release *StoreError", err)
	}
	fs.set("release", nil)

	holder := &service{gate: make(chan struct{})}
	held := goCharge(ctx, f.engine(config{}), "o-3", 1, holder)
	testenv.Eventually(t, "o-3 runs", func() bool { return holder.calls.Load() == 1 })
	fs.set("get", down)
	quiet(t, f.clock)
	poller := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Second), PollMax: baldur.Set(time.Second)}})
	ch := goCharge(ctx, poller, "o-3", 1, svc)
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	if o := recv(t, ch); !isStore(o.err, "get") {
		t.Fatalf("get failure while waiting: %v, want a get *StoreError", o.err)
	}
	close(holder.gate)
	recv(t, held)
}

// testInconsistent is I9: a store that refuses claims yet shows no record
// is given MaxClaimAttempts tries, then a claim *StoreError; the inner call
// never runs.
func testInconsistent(t *testing.T, f *fixture) {
	fs := newFaultStore(f.store)
	fs.empty = true
	e := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{MaxClaimAttempts: baldur.Set(4)}})
	svc := &service{}
	_, err := charge(testContext(t), e, "charge-customer", "o-1", chargeArgs{}, svc.charge)
	if se := (*baldur.StoreError)(nil); !errors.As(err, &se) || se.Op != "claim" || !strings.Contains(err.Error(), "4 claims refused") {
		t.Fatalf("err = %v, want a claim *StoreError after 4 claims", err)
	}
	if n := fs.count("claim"); n != 4 {
		t.Fatalf("%d claims, want 4", n)
	}
	if svc.calls.Load() != 0 {
		t.Fatal("inner ran")
	}
}

// testLostLeaseCancelsCall: an owner whose renewals failed until its lease
// ended and another caller took over learns so at its next renewal; its
// call is cancelled, since the key is no longer its own, and its caller
// gets ErrLeaseLost.
func testLostLeaseCancelsCall(t *testing.T, f *fixture) {
	ctx := testContext(t)
	fs := newFaultStore(f.store)
	fs.set("renew", errors.New("connection reset"))
	a := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{Lease: baldur.Set(30 * time.Second), RenewEvery: baldur.Set(10 * time.Second)}})
	slow := &service{gate: make(chan struct{})}
	owner := goCharge(ctx, a, "o-1", 1, slow)
	for range 3 { // three failed renewals: the lease ends at 30 s
		if err := f.clock.WaitForTimers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(10 * time.Second)
	}
	testenv.Eventually(t, "three renewals fail", func() bool { return fs.count("renew") == 3 })
	next := &service{gate: make(chan struct{}), started: make(chan string, 1)}
	b := goCharge(ctx, f.engine(config{}), "o-1", 1, next)
	id := <-next.started
	fs.set("renew", nil)
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Second)
	if o := recv(t, owner); !errors.Is(o.err, baldur.ErrLeaseLost) || !errors.Is(o.err, context.Canceled) {
		t.Fatalf("owner: %v, want ErrLeaseLost and its call cancelled", o.err)
	}
	close(next.gate)
	if o := recv(t, b); o.err != nil || o.r.ID != id {
		t.Fatalf("successor: %+v, %v", o.r, o.err)
	}
}

// testNotRecorded: the method succeeded but its record could not be
// written, because the store failed however often the runtime retried
// within its store timeout, or because the lease was lost. The caller gets
// the method's real result and an error matching ErrNotRecorded (and
// ErrIdempotencyStore for a store failure), never a stand-in: the charge
// went through. A duplicate in the same runtime gets that result too,
// without running the method again.
func testNotRecorded(t *testing.T, f *fixture) {
	ctx := testContext(t)
	fs := newFaultStore(f.store)
	down := errors.New("connection refused")
	fs.set("complete", down)
	e := newEngine(t, fs, config{clock: f.clock, IdempotencyConfig: baldur.IdempotencyConfig{StoreTimeout: baldur.Set(100 * time.Millisecond)}})
	svc := &service{}
	r, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 7}, svc.charge)
	var nr *baldur.NotRecordedError
	if !errors.As(err, &nr) || !errors.Is(err, baldur.ErrNotRecorded) || !errors.Is(err, baldur.ErrIdempotencyStore) || !errors.Is(err, down) {
		t.Fatalf("err = %v, want a *NotRecordedError wrapping the store's failure", err)
	}
	if r.ID == "" || r.Amount != 7 {
		t.Fatalf("result = %+v, want the method's real result beside the error", r)
	}
	if n := fs.count("complete"); n < 2 {
		t.Fatalf("%d completing writes, want it retried", n)
	}
	again, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 7}, svc.charge)
	if err != nil || again != r || svc.calls.Load() != 1 {
		t.Fatalf("duplicate in the same runtime: %+v, %v after %d runs; want the real result, one run", again, err, svc.calls.Load())
	}
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 8}, svc.charge); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("duplicate with other arguments: %v, want ErrKeyReused", err)
	}
}

// testCompleteRetried: a completing write that fails a few times and then
// succeeds is retried, and the caller never hears of the failures.
func testCompleteRetried(t *testing.T, f *fixture) {
	ctx := testContext(t)
	fs := newFaultStore(f.store)
	fs.failTimes("complete", errors.New("connection reset"), 2)
	e := newEngine(t, fs, config{clock: f.clock})
	r, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 1}, (&service{}).charge)
	if err != nil || r.ID == "" {
		t.Fatalf("charge = %+v, %v; want the result and no error", r, err)
	}
	if n := fs.count("complete"); n != 3 {
		t.Fatalf("%d completing writes, want 3", n)
	}
	if rec, ok, err := f.store.Get(ctx, chargeKey("o-1")); err != nil || !ok || rec.State != baldur.RecordCompleted {
		t.Fatalf("record %+v, %v, %v; want it completed", rec, ok, err)
	}
}
