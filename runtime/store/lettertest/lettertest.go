// Package lettertest checks a baldur.DeadLetterStore against the contract
// the runtime relies on: durable puts, leases that two claimers never
// share, replays counted at the claim, fencing of stale tokens, and the
// operator's actions. A store's tests call Run with a function that opens
// a fresh, empty store.
package lettertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Backend opens stores for the suite.
type Backend struct {
	// Open returns a fresh, empty store, closed by the test's cleanup.
	Open func(t *testing.T) baldur.DeadLetterStore
	// OpenFull, when set, returns a store that holds at most n letters.
	OpenFull func(t *testing.T, n int) baldur.DeadLetterStore
}

var epoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// Run runs the contract tests against b.
func Run(t *testing.T, b Backend) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, baldur.DeadLetterStore)
	}{
		{"PutGetRoundTrip", putGetRoundTrip},
		{"PutKeepsNoReferenceToTheCallersBytes", putCopies},
		{"ClaimTakesDueLettersOldestFirst", claimDueOldestFirst},
		{"ClaimOnlyNamedPolicies", claimPolicies},
		{"ClaimAnytime", claimAnytime},
		{"LeaseKeepsOthersOut", leaseExcludes},
		{"ExpiredLeaseIsTakenOverAndTheOldTokenFenced", leaseTakeover},
		{"ReplaysCountedAtClaim", replaysAtClaim},
		{"RescheduleKeepsPending", reschedulePending},
		{"ReschedulePark", reschedulePark},
		{"ClaimIDTakesParkedLetters", claimID},
		{"RequeueAParkedLetter", requeue},
		{"DropFencesTheHolder", dropFences},
		{"ListFiltersAndPages", listPages},
		{"Counts", counts},
		{"ConcurrentClaimersNeverShareALetter", concurrentClaims},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b.Open(t)) })
	}
	for _, tc := range edges {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b.Open(t)) })
	}
	if b.OpenFull != nil {
		t.Run("FullStoreRefusesAndKeepsWhatItHas", func(t *testing.T) { full(t, b.OpenFull(t, 3)) })
		t.Run("FullStoreTakesAgainOnceALetterLeaves", func(t *testing.T) { fullThenRoom(t, b.OpenFull(t, 3)) })
	}
}

var ctx = context.Background()

func letter(id, policy string, created time.Time) baldur.StoredLetter {
	return baldur.StoredLetter{
		Letter: baldur.Letter{
			ID: id, Policy: policy, Method: "pay.Gateway.Charge", Key: "k-" + id,
			Fields: map[string]string{"order_id": id}, Attempts: 3,
			Created: created, LastFailed: created, NextReplay: created,
		},
		Signature: "sig-1",
		Body:      []byte("body of " + id),
	}
}

func put(t *testing.T, s baldur.DeadLetterStore, ls ...baldur.StoredLetter) {
	t.Helper()
	for _, l := range ls {
		if err := s.Put(ctx, l); err != nil {
			t.Fatalf("Put %s: %v", l.ID, err)
		}
	}
}

func claim(t *testing.T, s baldur.DeadLetterStore, r baldur.ClaimRequest) []baldur.StoredLetter {
	t.Helper()
	if r.Lease == 0 {
		r.Lease = time.Minute
	}
	if r.Max == 0 {
		r.Max = 100
	}
	if r.Policies == nil {
		r.Policies = []string{"charge"}
	}
	ls, err := s.Claim(ctx, r)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return ls
}

func ids(ls []baldur.StoredLetter) string {
	var b bytes.Buffer
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.ID)
	}
	return b.String()
}

func get(t *testing.T, s baldur.DeadLetterStore, id string) baldur.StoredLetter {
	t.Helper()
	l, ok, err := s.Get(ctx, id)
	if err != nil || !ok {
		t.Fatalf("Get %s: %v, found %v", id, err, ok)
	}
	return l
}

func putGetRoundTrip(t *testing.T, s baldur.DeadLetterStore) {
	want := letter("a", "charge", epoch)
	put(t, s, want)
	got := get(t, s, "a")
	if got.Policy != "charge" || got.Method != want.Method || got.Key != "k-a" || got.Fields["order_id"] != "a" ||
		got.Attempts != 3 || got.Replays != 0 || got.State != baldur.LetterPending || got.Signature != "sig-1" ||
		!bytes.Equal(got.Body, want.Body) || !got.Created.Equal(epoch) || !got.NextReplay.Equal(epoch) || got.Token != "" {
		t.Fatalf("round trip: %+v", got)
	}
	if _, ok, err := s.Get(ctx, "missing"); ok || err != nil {
		t.Fatalf("missing letter: found %v, %v", ok, err)
	}
}

// D9: the caller may reuse its buffers once Put returns.
func putCopies(t *testing.T, s baldur.DeadLetterStore) {
	l := letter("a", "charge", epoch)
	put(t, s, l)
	copy(l.Body, "XXXX")
	l.Fields["order_id"] = "changed"
	got := get(t, s, "a")
	if string(got.Body) != "body of a" || got.Fields["order_id"] != "a" {
		t.Fatalf("stored letter changed with the caller's: %q %v", got.Body, got.Fields)
	}
}

func claimDueOldestFirst(t *testing.T, s baldur.DeadLetterStore) {
	late := letter("late", "charge", epoch)
	late.NextReplay = epoch.Add(time.Hour) // D10: not delivered early
	put(t, s, letter("b", "charge", epoch.Add(2*time.Second)), letter("a", "charge", epoch.Add(time.Second)), late)
	got := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(time.Minute), Lease: 2 * time.Hour})
	if ids(got) != "a,b" {
		t.Fatalf("claimed %s, want a,b (late is not due)", ids(got))
	}
	for _, l := range got {
		if l.Token == "" || !l.LeaseUntil.Equal(epoch.Add(time.Minute+2*time.Hour)) || l.Replays != 1 {
			t.Fatalf("claimed letter %s: token %q, lease until %v, replays %d", l.ID, l.Token, l.LeaseUntil, l.Replays)
		}
	}
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(time.Hour)}); ids(got) != "late" {
		t.Fatalf("at its time: claimed %s, want late", ids(got))
	}
}

// D10: queues are isolated by name.
func claimPolicies(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch), letter("b", "refund", epoch))
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch, Policies: []string{"refund"}}); ids(got) != "b" {
		t.Fatalf("claimed %s, want refund's b", ids(got))
	}
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch, Policies: []string{}}); len(got) != 0 {
		t.Fatalf("no policies: claimed %s", ids(got))
	}
}

func claimAnytime(t *testing.T, s baldur.DeadLetterStore) {
	l := letter("a", "charge", epoch)
	l.NextReplay = epoch.Add(time.Hour)
	put(t, s, l)
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch}); len(got) != 0 {
		t.Fatalf("claimed %s before it was due", ids(got))
	}
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch, Anytime: true}); ids(got) != "a" {
		t.Fatalf("anytime: claimed %s", ids(got))
	}
}

// D4: a claimed letter is invisible to a second claimer until its lease ends.
func leaseExcludes(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	claim(t, s, baldur.ClaimRequest{Now: epoch, Lease: time.Minute})
	if got := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(59 * time.Second), Anytime: true}); len(got) != 0 {
		t.Fatalf("a leased letter was claimed again: %s", ids(got))
	}
	if _, ok, err := s.ClaimID(ctx, "a", epoch.Add(30*time.Second), time.Minute); ok || err != nil {
		t.Fatalf("ClaimID of a leased letter: %v, %v", ok, err)
	}
}

// D7: a holder whose lease was taken over cannot ack or reschedule.
func leaseTakeover(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	first := claim(t, s, baldur.ClaimRequest{Now: epoch, Lease: time.Minute})[0]
	second := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(time.Minute), Lease: time.Minute})
	if len(second) != 1 || second[0].Token == first.Token {
		t.Fatalf("after the lease: claimed %v", second)
	}
	if err := s.Ack(ctx, "a", first.Token); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("stale Ack: %v, want ErrLeaseLost", err)
	}
	if err := s.Reschedule(ctx, "a", first.Token, baldur.LetterUpdate{Park: true, Reason: "stale"}); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("stale Reschedule: %v, want ErrLeaseLost", err)
	}
	if l := get(t, s, "a"); l.State != baldur.LetterPending || l.Token != second[0].Token {
		t.Fatalf("the stale holder moved the letter: %+v", l)
	}
	if err := s.Ack(ctx, "a", second[0].Token); err != nil {
		t.Fatalf("Ack by the holder: %v", err)
	}
	if _, ok, _ := s.Get(ctx, "a"); ok {
		t.Fatal("an acked letter is still there")
	}
}

// D5: a letter whose replays crash their process still reaches its limit.
func replaysAtClaim(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	now := epoch
	for i := 1; i <= 3; i++ {
		got := claim(t, s, baldur.ClaimRequest{Now: now, Lease: time.Second})
		if len(got) != 1 || got[0].Replays != i {
			t.Fatalf("claim %d: %+v", i, got)
		}
		now = now.Add(time.Second) // the holder crashed: its lease runs out
	}
	if l := get(t, s, "a"); l.Replays != 3 {
		t.Fatalf("stored replays %d, want 3", l.Replays)
	}
}

func reschedulePending(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	next := epoch.Add(10 * time.Minute)
	if err := s.Reschedule(ctx, "a", l.Token, baldur.LetterUpdate{Body: []byte("new"), LastFailed: epoch.Add(time.Second), NextReplay: next}); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, "a")
	if got.State != baldur.LetterPending || !got.NextReplay.Equal(next) || string(got.Body) != "new" || !got.LastFailed.Equal(epoch.Add(time.Second)) {
		t.Fatalf("after Reschedule: %+v", got)
	}
	if again := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(time.Minute)}); len(again) != 0 {
		t.Fatalf("rescheduled letter claimed early: %s", ids(again))
	}
	if again := claim(t, s, baldur.ClaimRequest{Now: next}); ids(again) != "a" {
		t.Fatalf("rescheduled letter not claimed at its time: %s", ids(again))
	}
}

func reschedulePark(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	if err := s.Reschedule(ctx, "a", l.Token, baldur.LetterUpdate{Park: true, Reason: "replays spent"}); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, "a")
	if got.State != baldur.LetterParked || got.Reason != "replays spent" {
		t.Fatalf("after parking: %+v", got)
	}
	if again := claim(t, s, baldur.ClaimRequest{Now: epoch.Add(time.Hour), Anytime: true}); len(again) != 0 {
		t.Fatalf("a parked letter was claimed: %s", ids(again))
	}
}

func claimID(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	if err := s.Reschedule(ctx, "a", l.Token, baldur.LetterUpdate{Park: true, Reason: "spent"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.ClaimID(ctx, "a", epoch.Add(time.Second), time.Minute)
	if err != nil || !ok || got.Token == "" || got.Replays != 2 {
		t.Fatalf("ClaimID of a parked letter: %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := s.ClaimID(ctx, "missing", epoch, time.Minute); ok || err != nil {
		t.Fatalf("ClaimID of a missing letter: %v, %v", ok, err)
	}
}

func requeue(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	s.Reschedule(ctx, "a", l.Token, baldur.LetterUpdate{Park: true, Reason: "spent"})
	now := epoch.Add(time.Hour)
	if err := s.Requeue(ctx, "a", now); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, "a")
	if got.State != baldur.LetterPending || got.Replays != 0 || !got.NextReplay.Equal(now) {
		t.Fatalf("after Requeue: %+v", got)
	}
	claim(t, s, baldur.ClaimRequest{Now: now})
	if err := s.Requeue(ctx, "a", now); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("Requeue of a claimed letter: %v, want ErrLeaseLost", err)
	}
	if err := s.Requeue(ctx, "missing", now); !errors.Is(err, baldur.ErrNoLetter) {
		t.Fatalf("Requeue of a missing letter: %v, want ErrNoLetter", err)
	}
}

func dropFences(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch})[0]
	if err := s.Drop(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, "a", l.Token); !errors.Is(err, baldur.ErrLeaseLost) {
		t.Fatalf("Ack after Drop: %v, want ErrLeaseLost", err)
	}
	if err := s.Drop(ctx, "a"); !errors.Is(err, baldur.ErrNoLetter) {
		t.Fatalf("second Drop: %v, want ErrNoLetter", err)
	}
}

func listPages(t *testing.T, s baldur.DeadLetterStore) {
	for i := range 5 {
		put(t, s, letter(fmt.Sprintf("c%d", i), "charge", epoch.Add(time.Duration(i)*time.Second)))
	}
	put(t, s, letter("r0", "refund", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch, Max: 1})[0]
	s.Reschedule(ctx, l.ID, l.Token, baldur.LetterUpdate{Park: true, Reason: "spent"})
	list := func(f baldur.LetterFilter) string {
		ls, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return ids(ls)
	}
	if got := list(baldur.LetterFilter{Policy: "charge", State: baldur.LetterPending, Limit: 2}); got != "c1,c2" {
		t.Fatalf("first page %s, want c1,c2", got)
	}
	if got := list(baldur.LetterFilter{Policy: "charge", State: baldur.LetterPending, Limit: 2, After: "c2"}); got != "c3,c4" {
		t.Fatalf("second page %s, want c3,c4", got)
	}
	if got := list(baldur.LetterFilter{State: baldur.LetterParked}); got != "c0" {
		t.Fatalf("parked %s, want c0", got)
	}
	if got := list(baldur.LetterFilter{}); got != "c0,r0,c1,c2,c3,c4" {
		t.Fatalf("everything %s", got)
	}
}

func counts(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch), letter("b", "charge", epoch), letter("c", "refund", epoch))
	l := claim(t, s, baldur.ClaimRequest{Now: epoch, Max: 1})[0]
	s.Reschedule(ctx, l.ID, l.Token, baldur.LetterUpdate{Park: true})
	cs, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []baldur.LetterCount{{Policy: "charge", State: baldur.LetterPending, N: 1}, {Policy: "charge", State: baldur.LetterParked, N: 1}}
	got := map[string]int{}
	for _, c := range cs {
		got[c.Policy+"/"+c.State.String()] = c.N
	}
	for _, w := range want {
		if got[w.Policy+"/"+w.State.String()] != w.N {
			t.Fatalf("counts %v, want %v", cs, want)
		}
	}
	if got["refund/pending"] != 1 || len(cs) != 3 {
		t.Fatalf("counts %v, want refund's pending letter too", cs)
	}
}

// Several replicas claiming at once: every letter goes to exactly one.
func concurrentClaims(t *testing.T, s baldur.DeadLetterStore) {
	const letters, claimers = 200, 8
	for i := range letters {
		put(t, s, letter(fmt.Sprintf("l%03d", i), "charge", epoch.Add(time.Duration(i)*time.Millisecond)))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for {
				ls, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: epoch.Add(time.Second), Lease: time.Hour, Max: 7})
				if err != nil {
					t.Error(err)
					return
				}
				if len(ls) == 0 {
					return
				}
				mu.Lock()
				for _, l := range ls {
					seen[l.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != letters {
		t.Fatalf("%d letters claimed, want %d", len(seen), letters)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("letter %s claimed %d times", id, n)
		}
	}
}

// D2: a full store takes nothing and keeps what it has.
func full(t *testing.T, s baldur.DeadLetterStore) {
	put(t, s, letter("a", "charge", epoch), letter("b", "charge", epoch), letter("c", "charge", epoch))
	if err := s.Put(ctx, letter("d", "charge", epoch)); !errors.Is(err, baldur.ErrDeadLettersFull) {
		t.Fatalf("Put into a full store: %v, want ErrDeadLettersFull", err)
	}
	if _, ok, _ := s.Get(ctx, "d"); ok {
		t.Fatal("a refused letter was stored")
	}
	if ls, _ := s.List(ctx, baldur.LetterFilter{}); len(ls) != 3 {
		t.Fatalf("%d letters after a refused Put, want 3", len(ls))
	}
}
