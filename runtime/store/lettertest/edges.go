package lettertest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// edges are the boundaries the runtime leans on: the exact instants a
// letter becomes due and a lease ends, copies both ways, an Ack that lands
// late, and many callers at once.
var edges = []struct {
	name string
	fn   func(*testing.T, baldur.DeadLetterStore)
}{
	{"DueAndLeaseEndAtTheirInstant", dueAndLeaseInstants},
	{"ClaimedLettersAreWholeAndCopies", claimedWhole},
	{"RescheduleKeepsNoReferenceToTheCallersBody", rescheduleCopies},
	{"LateAckLandsUntilTakenOver", lateAck},
	{"SecondAckIsLeaseLost", secondAck},
	{"DroppedLetterIsGoneEverywhere", dropEverywhere},
	{"ClaimIDIgnoresTheSchedule", claimIDSchedule},
	{"ConcurrentPutsAllLand", concurrentPuts},
}

// D10: a delayed letter is not claimed a nanosecond early; a lease keeps
// others out until its last nanosecond.
func dueAndLeaseInstants(t *testing.T, s baldur.DeadLetterStore) {
	l := letter("a", "charge", epoch)
	l.NextReplay = epoch.Add(time.Minute)
	put(t, s, l)
	if got := claim(t, s, baldur.ClaimRequest{Now: l.NextReplay.Add(-time.Nanosecond)}); len(got) != 0 {
		t.Fatalf("claimed %s a nanosecond before it was due", ids(got))
	}
	got := claim(t, s, baldur.ClaimRequest{Now: l.NextReplay, Lease: time.Minute})
	if ids(got) != "a" {
		t.Fatalf("at its due instant: claimed %s, want a", ids(got))
	}
	end := got[0].LeaseUntil
	if again := claim(t, s, baldur.ClaimRequest{Now: end.Add(-time.Nanosecond), Anytime: true}); len(again) != 0 {
		t.Fatalf("claimed %s a nanosecond before its lease ended", ids(again))
	}
	if again := claim(t, s, baldur.ClaimRequest{Now: end}); ids(again) != "a" || again[0].Replays != 2 {
		t.Fatalf("at the lease's end: claimed %+v, want a with 2 replays", again)
	}
}

// A claimed letter carries everything the runtime needs to replay it, and
// changing it changes nothing stored.
func claimedWhole(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	if string(l.Body) != "body of a" || l.Signature != "sig-1" || l.Fields["order_id"] != "a" || l.Key != "k-a" ||
		l.Method != "pay.Gateway.Charge" || l.Attempts != 3 || !l.Created.Equal(epoch) {
		t.Fatalf("claimed letter: %+v", l)
	}
	copy(l.Body, "XXXX")
	l.Fields["order_id"] = "changed"
	if got := get(t, s, "a"); string(got.Body) != "body of a" || got.Fields["order_id"] != "a" {
		t.Fatalf("stored letter changed with the claimed copy: %q %v", got.Body, got.Fields)
	}
}

// D9 for the replay's envelope: the runtime may reuse its buffer.
func rescheduleCopies(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	body := []byte("replay failed")
	if err := s.Reschedule(ctx, "a", l.Token, baldur.LetterUpdate{Body: body, LastFailed: epoch, NextReplay: epoch}); err != nil {
		t.Fatal(err)
	}
	copy(body, "XXXX")
	if got := get(t, s, "a"); string(got.Body) != "replay failed" {
		t.Fatalf("stored body changed with the caller's: %q", got.Body)
	}
}

// D8: an Ack that failed (a store error) can be tried again; the letter
// waits for it, held by the same token, until another claim takes it over.
func lateAck(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch, Lease: time.Second})[0]
	if got := get(t, s, "a"); got.Token != l.Token || got.State != baldur.LetterPending {
		t.Fatalf("a claimed letter waiting for its ack: %+v", got)
	}
	// The lease ran out while the Ack was being retried; nobody claimed it.
	if err := s.Ack(ctx, "a", l.Token); err != nil {
		t.Fatalf("late Ack: %v", err)
	}
	if _, ok, _ := s.Get(ctx, "a"); ok {
		t.Fatal("a late-acked letter is still there")
	}
}

func secondAck(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	if err := s.Ack(ctx, "a", l.Token); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, "a", l.Token); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("second Ack: %v, want ErrLeaseLost", err)
	}
	if err := s.Ack(ctx, "a", ""); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("Ack with no token: %v, want ErrLeaseLost", err)
	}
}

func dropEverywhere(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch), letter("b", "charge", epoch))
	if err := s.Drop(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch, Anytime: true}); ids(got) != "b" {
		t.Fatalf("after Drop: claimed %s, want b", ids(got))
	}
	if ls, err := s.List(ctx, baldur.LetterFilter{}); err != nil || ids(ls) != "b" {
		t.Fatalf("after Drop: listed %s, %v", ids(ls), err)
	}
	cs, err := s.Counts(ctx)
	if err != nil || len(cs) != 1 || cs[0].N != 1 {
		t.Fatalf("after Drop: counts %v, %v", cs, err)
	}
}

func claimIDSchedule(t *testing.T, s baldur.DeadLetterStore) {
	l := letter("a", "charge", epoch)
	l.NextReplay = epoch.Add(time.Hour)
	put(t, s, l)
	got, ok, err := s.ClaimID(ctx, "a", epoch, time.Minute)
	if err != nil || !ok || got.Replays != 1 || !got.LeaseUntil.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("ClaimID of a letter not due: %+v, %v, %v", got, ok, err)
	}
	if again := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(30 * time.Second), Anytime: true}); len(again) != 0 {
		t.Fatalf("a letter held by ClaimID was claimed: %s", ids(again))
	}
}

// Captures from many callers at once all land, each once.
func concurrentPuts(t *testing.T, s baldur.DeadLetterStore) {
	const callers, each = 16, 25
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				if err := s.Put(ctx, letter(fmt.Sprintf("c%02d-%02d", c, i), "charge", epoch)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	cs, err := s.Counts(ctx)
	if err != nil || len(cs) != 1 || cs[0].N != callers*each {
		t.Fatalf("counts %v, %v, want %d pending", cs, err, callers*each)
	}
	seen := map[string]bool{}
	for after := ""; ; {
		ls, err := s.List(ctx, baldur.LetterFilter{Limit: 1000, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) == 0 {
			break
		}
		for _, l := range ls {
			if seen[l.ID] {
				t.Fatalf("%s listed twice", l.ID)
			}
			seen[l.ID] = true
		}
		after = ls[len(ls)-1].ID
	}
	if len(seen) != callers*each {
		t.Fatalf("listed %d letters, want %d", len(seen), callers*each)
	}
}

// D10: a full store takes a letter again once one leaves.
func fullThenRoom(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch), letter("b", "charge", epoch), letter("c", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch, Max: 1})[0]
	if err := s.Ack(ctx, l.ID, l.Token); err != nil {
		t.Fatal(err)
	}
	put(t, s, letter("d", "charge", epoch))
	if err := s.Put(ctx, letter("e", "charge", epoch)); !errors.Is(err, baldur.ErrDeadLettersFull) {
		t.Fatalf("Put into a full store again: %v, want ErrDeadLettersFull", err)
	}
}
