package boltstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

var epoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func letter(id string) baldur.StoredLetter {
	return baldur.StoredLetter{
		Letter: baldur.Letter{
			ID: id, Policy: "charge", Method: "pay.Gateway.Charge", Key: "k-" + id,
			Fields: map[string]string{"order_id": id}, Attempts: 3,
			Created: epoch, LastFailed: epoch, NextReplay: epoch,
		},
		Signature: "sig-1",
		Body:      []byte("body of " + id),
	}
}

func mustPut(t testing.TB, s baldur.DeadLetterStore, ls ...baldur.StoredLetter) {
	t.Helper()
	for _, l := range ls {
		if err := s.Put(ctx, l); err != nil {
			t.Fatalf("Put %s: %v", l.ID, err)
		}
	}
}

func mustCheck(t testing.TB, s *boltstore.Store) {
	t.Helper()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// Letters, their leases and their replay counts survive a restart: a
// replica that died holding a lease does not get its letter back before
// the lease ends (D3's redelivery comes after the lease).
func TestDeadLetterReopenKeepsLettersAndLeases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "letters.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, letter("a"), letter("b"))
	got, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: epoch, Lease: time.Minute, Max: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("Claim: %v, %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	mustCheck(t, s)
	l, ok, err := s.Get(ctx, got[0].ID)
	if err != nil || !ok || l.Token != got[0].Token || l.Replays != 1 || !l.LeaseUntil.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("after reopen: %+v, %v, %v", l, ok, err)
	}
	again, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: epoch.Add(time.Second), Lease: time.Minute, Max: 10})
	if err != nil || len(again) != 1 || again[0].ID == got[0].ID {
		t.Fatalf("after reopen, within the lease: claimed %v, %v; want only the other letter", again, err)
	}
}

// A second Open of a file, here or in another process, fails with
// ErrLocked after the lock timeout instead of hanging.
func TestDeadLetterSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "letters.db")
	openAt(t, path)
	start := time.Now()
	s, err := boltstore.Open(path, boltstore.WithLockTimeout(100*time.Millisecond))
	if err == nil {
		s.Close()
		t.Fatal("a second Open of an open file succeeded")
	}
	if !errors.Is(err, boltstore.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Open: %v, want ErrLocked naming the file", err)
	}
	t.Logf("second Open failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if out := runChildProcess(t, "lock", path); !strings.Contains(out, "ErrLocked") {
		t.Fatalf("Open from another process: %q, want ErrLocked", out)
	}
}

// D4: a lease that is not positive is refused, not stored as "free".
func TestDeadLetterLeaseMustBePositive(t *testing.T) {
	s := open(t)
	mustPut(t, s, letter("a"))
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: epoch, Lease: d, Max: 1}); !errors.Is(err, boltstore.ErrInvalid) {
			t.Errorf("Claim with lease %v: %v, want ErrInvalid", d, err)
		}
		if _, _, err := s.ClaimID(ctx, "a", epoch, d); !errors.Is(err, boltstore.ErrInvalid) {
			t.Errorf("ClaimID with lease %v: %v, want ErrInvalid", d, err)
		}
	}
	for _, o := range []boltstore.Option{boltstore.WithMaxLetters(0), boltstore.WithMaxBytes(-1), boltstore.WithLockTimeout(0), boltstore.WithMaxBatch(0)} {
		if s, err := boltstore.Open(filepath.Join(t.TempDir(), "x.db"), o); err == nil {
			s.Close()
			t.Error("Open accepted a non-positive option")
		}
	}
}

func TestDeadLetterInvalidLettersRefused(t *testing.T) {
	s := open(t)
	for _, l := range []baldur.StoredLetter{
		{Letter: baldur.Letter{ID: "", Policy: "charge"}},
		{Letter: baldur.Letter{ID: strings.Repeat("x", 257), Policy: "charge"}},
		{Letter: baldur.Letter{ID: "a", Policy: ""}},
	} {
		if err := s.Put(ctx, l); !errors.Is(err, boltstore.ErrInvalid) {
			t.Errorf("Put(ID %d bytes, policy %q): %v, want ErrInvalid", len(l.ID), l.Policy, err)
		}
	}
	mustCheck(t, s)
}

// A Put retried after an unclear failure neither duplicates nor resets.
func TestDeadLetterPutOfAStoredIDKeepsTheLetter(t *testing.T) {
	s := open(t)
	mustPut(t, s, letter("a"))
	l, _ := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: epoch, Lease: time.Minute, Max: 1})
	again := letter("a")
	again.Body = []byte("other")
	mustPut(t, s, again)
	got, _, _ := s.Get(ctx, "a")
	if string(got.Body) != "body of a" || got.Token != l[0].Token || got.Replays != 1 {
		t.Fatalf("a second Put changed the letter: %+v", got)
	}
	mustCheck(t, s)
}

// D10: the byte bound, like the count bound, takes nothing of a letter
// that does not fit, and the store goes on.
func TestDeadLetterMaxBytes(t *testing.T) {
	s := open(t, boltstore.WithMaxBytes(4096))
	small := letter("small")
	mustPut(t, s, small)
	big := letter("big")
	big.Body = bytes.Repeat([]byte("x"), 8192)
	if err := s.Put(ctx, big); !errors.Is(err, baldur.ErrDeadLettersFull) {
		t.Fatalf("Put beyond the byte bound: %v, want ErrDeadLettersFull", err)
	}
	if _, ok, _ := s.Get(ctx, "big"); ok {
		t.Fatal("a refused letter was stored")
	}
	if cs, _ := s.Counts(ctx); len(cs) != 1 || cs[0].N != 1 {
		t.Fatalf("counts after a refused Put: %v", cs)
	}
	mustPut(t, s, letter("next"))
	mustCheck(t, s)
}

// D5 across restarts: a letter whose replay kills its process every time
// still reaches max_replays, because each claim is counted on disk before
// the replay starts; then it is parked and only an operator moves it.
func TestDeadLetterCrashLoopingLetterIsParked(t *testing.T) {
	const maxReplays = 5
	path := filepath.Join(t.TempDir(), "letters.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, letter("poison"))
	now, claims := epoch, 0
	for range 20 {
		got, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: now, Lease: time.Second, Max: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		claims++
		if l := got[0]; l.Replays > maxReplays {
			// What the runtime does with a letter past its replays.
			if err := s.Reschedule(ctx, l.ID, l.Token, baldur.LetterUpdate{Body: l.Body, LastFailed: now, Park: true, Reason: "replays spent"}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// The replay crashed the process: no Ack, no Reschedule. Reopen.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if s, err = boltstore.Open(path); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	t.Cleanup(func() { s.Close() })
	if claims != maxReplays+1 {
		t.Fatalf("claimed %d times, want %d", claims, maxReplays+1)
	}
	parked, err := s.List(ctx, baldur.LetterFilter{State: baldur.LetterParked})
	if err != nil || len(parked) != 1 || parked[0].Reason != "replays spent" {
		t.Fatalf("parked letters: %v, %v", parked, err)
	}
	if got, _ := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: now.Add(time.Hour), Lease: time.Second, Max: 1, Anytime: true}); len(got) != 0 {
		t.Fatal("a parked letter was claimed")
	}
	mustCheck(t, s)
}

// Claim reads the due index of the policies it names only: letters of a
// policy with no handler here, or not due yet, are never decoded.
func TestDeadLetterClaimReadsOnlyDueLettersOfItsPolicies(t *testing.T) {
	s := open(t)
	for i := range 50 {
		l := letter(fmt.Sprintf("later-%02d", i))
		l.NextReplay = epoch.Add(time.Hour)
		other := letter(fmt.Sprintf("other-%02d", i))
		other.Policy = "refund"
		mustPut(t, s, l, other)
	}
	mustPut(t, s, letter("due"))
	// Corrupt every letter but the due one: a claim that decoded any other
	// would fail.
	if err := s.DB().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("letters"))
		return b.ForEach(func(k, _ []byte) error {
			if string(k) == "due" {
				return nil
			}
			return b.Put(k, []byte{0xff})
		})
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: epoch, Lease: time.Minute, Max: 100})
	if err != nil || len(got) != 1 || got[0].ID != "due" {
		t.Fatalf("Claim: %v, %v; want only the due letter", got, err)
	}
	if err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "does not decode") {
		t.Fatalf("Check of a corrupted file: %v, want corrupt letters named", err)
	}
}

func TestDeadLetterCloseTwiceAndUseAfterClose(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "letters.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Put(ctx, letter("a")); !errors.Is(err, boltstore.ErrClosed) {
		t.Fatalf("Put after Close: %v, want ErrClosed", err)
	}
	if _, _, err := s.Get(ctx, "a"); !errors.Is(err, boltstore.ErrClosed) {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
}
