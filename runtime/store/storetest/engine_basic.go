package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
)

func runEngine(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"LaterDuplicateGetsStoredResult", testLaterDuplicate},
		{"KeyReusedWithOtherArgs", testKeyReused},
		{"FailureIsNotStored", testFailureNotStored},
		{"PermanentFailureIsStored", testPermanentStored},
		{"ExpiredRecordRunsAgain", testExpiredRunsAgain},
		{"Namespaces", testNamespaces},
		{"RequiredTenant", testRequiredTenant},
		{"ThousandGoroutines", testThousandGoroutines},
		{"FourEngines", testFourEngines},
		{"WaitersShareFailure", testWaitersShareFailure},
		{"InFlightWaitModes", testWaitModes},
		{"PanicReachesWaiters", testPanic},
		{"OrphanTakeover", testOrphanTakeover},
		{"OwnerCancelledWaitersGetResult", testOwnerCancelledLocal},
		{"OwnerCancelledAloneReleases", testOwnerCancelledAlone},
		{"OwnerCancelledRemoteTakesOver", testOwnerCancelledRemote},
		{"LateOwnerIsFenced", testLateOwnerFenced},
		{"HeartbeatKeepsLease", testHeartbeat},
		{"LostLeaseCancelsCall", testLostLeaseCancelsCall},
		{"StoreFailures", testStoreFailures},
		{"ResultNotRecorded", testNotRecorded},
		{"CompleteRetried", testCompleteRetried},
		{"InconsistentStore", testInconsistent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newFixture(t, b))
		})
	}
}

func testLaterDuplicate(t *testing.T, f *fixture) {
	ctx, e, svc := testContext(t), f.engine(config{}), &service{}
	first, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 100}, svc.charge)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 100}, svc.charge)
		if err != nil || again != first {
			t.Fatalf("duplicate = %+v, %v; want %+v", again, err, first)
		}
	}
	// Another runtime (a restarted process) reads it from the store.
	again, err := charge(ctx, f.engine(config{}), "charge-customer", "o-1", chargeArgs{Amount: 100}, svc.charge)
	if err != nil || again != first {
		t.Fatalf("duplicate through a new runtime = %+v, %v; want %+v", again, err, first)
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
	rec, ok, err := f.store.Get(ctx, chargeKey("o-1"))
	if err != nil || !ok || rec.State != baldur.RecordCompleted || !rec.Expires.Equal(epoch.Add(24*time.Hour)) {
		t.Fatalf("stored record = %+v, %v, %v; want completed until now+24h", rec, ok, err)
	}
	if want := fingerprint(`{"Amount":100}`); rec.Fingerprint != want {
		t.Fatalf("stored fingerprint %s, want the sha256 of the arguments' canonical JSON, %s", rec.Fingerprint, want)
	}
}

// testKeyReused is I4: different arguments under one key are refused, from
// the local flight, from another runtime, and after completion; the
// fingerprint ignores map order and sees nested changes.
func testKeyReused(t *testing.T, f *fixture) {
	ctx := testContext(t)
	e1, e2 := f.engine(config{}), f.engine(config{})
	svc := &service{gate: make(chan struct{})}
	meta := map[string]string{}
	for i := range 40 {
		meta[fmt.Sprint("k", i)] = fmt.Sprint(i)
	}
	args := chargeArgs{Amount: 100, Meta: meta}
	first := make(chan outcome, 1)
	go func() {
		r, err := charge(ctx, e1, "charge-customer", "o-1", args, svc.charge)
		first <- outcome{r, err}
	}()
	testenv.Eventually(t, "the first call runs", func() bool { return svc.calls.Load() == 1 })

	other := chargeArgs{Amount: 200, Meta: meta}
	if _, err := charge(ctx, e1, "charge-customer", "o-1", other, svc.charge); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("local duplicate with another amount = %v, want ErrKeyReused", err)
	}
	if _, err := charge(ctx, e2, "charge-customer", "o-1", other, svc.charge); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("remote duplicate with another amount = %v, want ErrKeyReused", err)
	}
	close(svc.gate)
	want := recv(t, first)
	if want.err != nil {
		t.Fatal(want.err)
	}

	// Same map, built in another order: same fingerprint.
	same := map[string]string{}
	for i := 39; i >= 0; i-- {
		same[fmt.Sprint("k", i)] = fmt.Sprint(i)
	}
	if got, err := charge(ctx, e2, "charge-customer", "o-1", chargeArgs{Amount: 100, Meta: same}, svc.charge); err != nil || got != want.r {
		t.Fatalf("duplicate with a reordered map = %+v, %v; want the stored %+v", got, err, want.r)
	}
	tampered := map[string]string{}
	for k, v := range meta {
		tampered[k] = v
	}
	tampered["k7"] = "8"
	for _, e := range []*engine{e1, e2} {
		if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 100, Meta: tampered}, svc.charge); !errors.Is(err, baldur.ErrKeyReused) {
			t.Fatalf("nested tamper after completion = %v, want ErrKeyReused", err)
		}
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// testFailureNotStored is I6: an ordinary failure releases the key.
func testFailureNotStored(t *testing.T, f *fixture) {
	ctx, e := testContext(t), f.engine(config{})
	boom := errors.New("gateway 503")
	svc := &service{fail: boom}
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 1}, svc.charge); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the inner error", err)
	}
	if _, ok, err := f.store.Get(ctx, chargeKey("o-1")); err != nil || ok {
		t.Fatalf("record after a failure: ok %v, %v; want none", ok, err)
	}
	svc.fail = nil
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 1}, svc.charge); err != nil {
		t.Fatal(err)
	}
	if n := svc.calls.Load(); n != 2 {
		t.Fatalf("inner called %d times, want 2 (the retry runs again)", n)
	}
}

var errDeclined = errors.New("card declined")

// testPermanentStored: a failure marked with baldur.Permanent is stored, and
// duplicates get its message.
func testPermanentStored(t *testing.T, f *fixture) {
	ctx := testContext(t)
	e := f.engine(config{})
	svc := &service{fail: baldur.Permanent(fmt.Errorf("charge o-1: %w", errDeclined))}
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 1}, svc.charge); !errors.Is(err, errDeclined) {
		t.Fatalf("first caller got %v, want its own error", err)
	}
	svc.fail = nil
	for _, e := range []*engine{e, f.engine(config{})} {
		_, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 1}, svc.charge)
		var stored *baldur.StoredError
		if !errors.As(err, &stored) || stored.Message != "charge o-1: card declined" {
			t.Fatalf("duplicate got %v, want *StoredError with the first message", err)
		}
	}
	if n := svc.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

// testExpiredRunsAgain is I8: expiry follows the runtime's clock, whatever
// the store's own TTL does; a policy's DedupeTTL overrides the default.
func testExpiredRunsAgain(t *testing.T, f *fixture) {
	ctx, svc := testContext(t), &service{}
	hour := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{TTL: baldur.Set(time.Hour)}})
	short := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{TTL: baldur.Set(time.Hour)}, ttl: 10 * time.Minute})
	run := func(e *engine) receipt {
		r, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{Amount: 1}, svc.charge)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1 := run(hour)
	f.clock.Advance(time.Hour - time.Millisecond)
	if r := run(hour); r != r1 || svc.calls.Load() != 1 {
		t.Fatalf("before expiry: %+v after %d calls; want the stored result", r, svc.calls.Load())
	}
	f.clock.Advance(time.Millisecond)
	r2 := run(short)
	if r2 == r1 || svc.calls.Load() != 2 {
		t.Fatalf("at expiry: got the old result or %d calls; want a new run", svc.calls.Load())
	}
	f.clock.Advance(10 * time.Minute)
	if run(hour); svc.calls.Load() != 3 {
		t.Fatalf("DedupeTTL of 10m ignored: %d calls", svc.calls.Load())
	}
}

// testNamespaces is I11 and X3: policy, tenant and namespace all separate
// records.
func testNamespaces(t *testing.T, f *fixture) {
	ctx, svc := testContext(t), &service{}
	e := f.engine(config{})
	ids := map[string]bool{}
	call := func(ctx context.Context, e *engine, policy string) receipt {
		r, err := charge(ctx, e, policy, "o-1", chargeArgs{Amount: 1}, svc.charge)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := baldur.WithTenant(ctx, "tenant-a"), baldur.WithTenant(ctx, "tenant-b")
	for _, r := range []receipt{
		call(ctx, e, "charge-customer"),
		call(ctx, e, "refund-customer"),
		call(a, e, "charge-customer"),
		call(b, e, "charge-customer"),
		call(ctx, f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{Namespace: baldur.Set("billing")}}), "charge-customer"),
	} {
		ids[r.ID] = true
	}
	if len(ids) != 5 || svc.calls.Load() != 5 {
		t.Fatalf("%d distinct results from %d calls, want 5 and 5", len(ids), svc.calls.Load())
	}
	if r := call(a, e, "charge-customer"); !ids[r.ID] || svc.calls.Load() != 5 {
		t.Fatal("tenant A's duplicate ran again")
	}
	for _, k := range []string{
		StoreKey("", "", "charge-customer", "o-1"), StoreKey("", "", "refund-customer", "o-1"),
		StoreKey("", "tenant-a", "charge-customer", "o-1"), StoreKey("billing", "", "charge-customer", "o-1"),
	} {
		if rec, ok, err := f.store.Get(ctx, k); err != nil || !ok || rec.State != baldur.RecordCompleted {
			t.Fatalf("record %s = %+v, %v, %v; want it completed under the documented key", k, rec, ok, err)
		}
	}
}

func testRequiredTenant(t *testing.T, f *fixture) {
	ctx, svc := testContext(t), &service{}
	e := f.engine(config{IdempotencyConfig: baldur.IdempotencyConfig{RequireTenant: baldur.Set(true)}})
	if _, err := charge(ctx, e, "charge-customer", "o-1", chargeArgs{}, svc.charge); !errors.Is(err, baldur.ErrMissingTenant) {
		t.Fatalf("no tenant: %v, want ErrMissingTenant", err)
	}
	ra, err := charge(baldur.WithTenant(ctx, "a"), e, "charge-customer", "o-1", chargeArgs{}, svc.charge)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := charge(baldur.WithTenant(ctx, "b"), e, "charge-customer", "o-1", chargeArgs{}, svc.charge)
	if err != nil || rb == ra {
		t.Fatalf("tenant B got %+v, %v; tenant A's result is %+v", rb, err, ra)
	}
	if svc.calls.Load() != 2 {
		t.Fatalf("inner called %d times, want 2", svc.calls.Load())
	}
}
