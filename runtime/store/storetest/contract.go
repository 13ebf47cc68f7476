package storetest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// runContract checks the Store methods directly.
func runContract(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, baldur.IdempotencyStore)
	}{
		{"ClaimFreeKey", testClaimFreeKey},
		{"ClaimHeldKey", testClaimHeldKey},
		{"ClaimAfterExpiry", testClaimAfterExpiry},
		{"UpdateAndReleaseAreFenced", testFenced},
		{"ReleaseFreesKey", testReleaseFreesKey},
		{"ValuesRoundTrip", testValuesRoundTrip},
		{"ClaimRace", testClaimRace},
		{"TakeoverRace", testTakeoverRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := b.Open(t)
			tt.fn(t, s)
		})
	}
}

func key() string { return StoreKey("storetest", "", "policy", rand.Text()) }

func inflight(now time.Time, lease time.Duration) baldur.IdempotencyRecord {
	return baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: fp("a"), Expires: now.Add(lease)}
}

func fp(s string) string { return StoreKey("", "", "fp", s) }

// sameRecord compares records the way stores keep them: Expires to the
// millisecond, nil and empty values alike.
func sameRecord(t testing.TB, got, want baldur.IdempotencyRecord) {
	t.Helper()
	if got.State != want.State || got.Token != want.Token || got.Fingerprint != want.Fingerprint ||
		!bytes.Equal(got.Value, want.Value) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("record = %+v (expires %v), want %+v (expires %v)", got, got.Expires, want, want.Expires)
	}
}

func testClaimFreeKey(t *testing.T, s baldur.IdempotencyStore) {
	ctx, k := testContext(t), key()
	if _, ok, err := s.Get(ctx, k); err != nil || ok {
		t.Fatalf("Get(free key) = ok %v, %v; want absent", ok, err)
	}
	rec := inflight(epoch, 30*time.Second)
	if _, claimed, err := s.Claim(ctx, k, rec, epoch); err != nil || !claimed {
		t.Fatalf("Claim(free key) = claimed %v, %v", claimed, err)
	}
	got, ok, err := s.Get(ctx, k)
	if err != nil || !ok {
		t.Fatalf("Get after claim = ok %v, %v", ok, err)
	}
	sameRecord(t, got, rec)
}

func testClaimHeldKey(t *testing.T, s baldur.IdempotencyStore) {
	ctx, k := testContext(t), key()
	first := inflight(epoch, 30*time.Second)
	if _, claimed, err := s.Claim(ctx, k, first, epoch); err != nil || !claimed {
		t.Fatalf("first Claim = %v, %v", claimed, err)
	}
	// One millisecond before the lease ends the key is still held.
	now := first.Expires.Add(-time.Millisecond)
	cur, claimed, err := s.Claim(ctx, k, inflight(now, 30*time.Second), now)
	if err != nil || claimed {
		t.Fatalf("second Claim = claimed %v, %v; want refused", claimed, err)
	}
	sameRecord(t, cur, first)
}

func testClaimAfterExpiry(t *testing.T, s baldur.IdempotencyStore) {
	ctx := testContext(t)
	for _, state := range []baldur.RecordState{baldur.RecordInFlight, baldur.RecordCompleted, baldur.RecordFailed} {
		k := key()
		old := inflight(epoch, time.Second)
		if _, claimed, err := s.Claim(ctx, k, old, epoch); err != nil || !claimed {
			t.Fatalf("Claim = %v, %v", claimed, err)
		}
		if state != baldur.RecordInFlight {
			done := old
			done.State, done.Value, done.Expires = state, []byte("v"), epoch.Add(time.Hour)
			if err := s.Update(ctx, k, done, epoch); err != nil {
				t.Fatal(err)
			}
			old = done
		}
		// Exactly at Expires the record is dead (Live is Expires > now).
		now := old.Expires
		next := inflight(now, time.Second)
		if _, claimed, err := s.Claim(ctx, k, next, now); err != nil || !claimed {
			t.Fatalf("%v record at its expiry: Claim = %v, %v; want taken over", state, claimed, err)
		}
		got, _, err := s.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		sameRecord(t, got, next)
	}
}

// testFenced is I13: an owner whose lease ended and was taken over cannot
// complete, renew or release its successor's record.
func testFenced(t *testing.T, s baldur.IdempotencyStore) {
	ctx, k := testContext(t), key()
	a := inflight(epoch, time.Second)
	if _, claimed, err := s.Claim(ctx, k, a, epoch); err != nil || !claimed {
		t.Fatalf("A Claim = %v, %v", claimed, err)
	}
	now := epoch.Add(2 * time.Second)
	b := inflight(now, 30*time.Second)
	if _, claimed, err := s.Claim(ctx, k, b, now); err != nil || !claimed {
		t.Fatalf("B takeover = %v, %v", claimed, err)
	}
	late := a
	late.State, late.Value, late.Expires = baldur.RecordCompleted, []byte("A"), now.Add(time.Hour)
	if err := s.Update(ctx, k, late, now); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("A's late Update = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, k, a.Token); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("A's late Release = %v, want ErrLeaseLost", err)
	}
	got, ok, err := s.Get(ctx, k)
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	sameRecord(t, got, b)

	renewed := b
	renewed.Expires = now.Add(time.Minute)
	if err := s.Update(ctx, k, renewed, now); err != nil {
		t.Fatalf("B renew: %v", err)
	}
	got, _, _ = s.Get(ctx, k)
	sameRecord(t, got, renewed)

	if err := s.Update(ctx, key(), b, now); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("Update of a missing key = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, key(), b.Token); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("Release of a missing key = %v, want ErrLeaseLost", err)
	}
}

func testReleaseFreesKey(t *testing.T, s baldur.IdempotencyStore) {
	ctx, k := testContext(t), key()
	a := inflight(epoch, time.Minute)
	if _, claimed, err := s.Claim(ctx, k, a, epoch); err != nil || !claimed {
		t.Fatalf("Claim = %v, %v", claimed, err)
	}
	if err := s.Release(ctx, k, a.Token); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, k); err != nil || ok {
		t.Fatalf("Get after Release = ok %v, %v", ok, err)
	}
	if _, claimed, err := s.Claim(ctx, k, inflight(epoch, time.Minute), epoch); err != nil || !claimed {
		t.Fatalf("Claim after Release = %v, %v", claimed, err)
	}
}

func testValuesRoundTrip(t *testing.T, s baldur.IdempotencyStore) {
	ctx := testContext(t)
	all := make([]byte, 0, 256)
	for i := range 256 {
		all = append(all, byte(i))
	}
	values := [][]byte{nil, []byte(`{"id":"r-1"}`), []byte("a|b|1|2|"), all, bytes.Repeat([]byte("x"), 64<<10)}
	for i, v := range values {
		for _, state := range []baldur.RecordState{baldur.RecordCompleted, baldur.RecordFailed} {
			k := key()
			rec := inflight(epoch, time.Minute)
			if _, claimed, err := s.Claim(ctx, k, rec, epoch); err != nil || !claimed {
				t.Fatalf("Claim = %v, %v", claimed, err)
			}
			rec.State, rec.Value = state, v
			rec.Expires = epoch.Add(24*time.Hour + 123*time.Millisecond)
			if err := s.Update(ctx, k, rec, epoch); err != nil {
				t.Fatalf("value %d: Update: %v", i, err)
			}
			got, ok, err := s.Get(ctx, k)
			if err != nil || !ok {
				t.Fatalf("value %d: Get = %v, %v", i, ok, err)
			}
			sameRecord(t, got, rec)
			// A refused claim returns the same record.
			cur, claimed, err := s.Claim(ctx, k, inflight(epoch, time.Minute), epoch)
			if err != nil || claimed {
				t.Fatalf("value %d: Claim of a completed key = %v, %v", i, claimed, err)
			}
			sameRecord(t, cur, rec)
		}
	}
}
