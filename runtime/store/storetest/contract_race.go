package storetest

import (
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// testClaimRace: of many simultaneous claims on a free key exactly one wins,
// and every loser sees the winner's record or, when it raced the winner's
// write, no live record (the engine claims again then).
func testClaimRace(t *testing.T, s baldur.IdempotencyStore) {
	claimRace(t, s, key(), func() baldur.IdempotencyRecord { return inflight(epoch, time.Minute) }, epoch)
}

// testTakeoverRace is I3 at the store level: many callers find the same
// orphan (lease ended) at once; exactly one takes it over.
func testTakeoverRace(t *testing.T, s baldur.IdempotencyStore) {
	ctx, k := testContext(t), key()
	if _, claimed, err := s.Claim(ctx, k, inflight(epoch, time.Second), epoch); err != nil || !claimed {
		t.Fatalf("Claim = %v, %v", claimed, err)
	}
	now := epoch.Add(time.Minute)
	claimRace(t, s, k, func() baldur.IdempotencyRecord { return inflight(now, time.Minute) }, now)
}

func claimRace(t *testing.T, s baldur.IdempotencyStore, k string, rec func() baldur.IdempotencyRecord, now time.Time) {
	ctx := testContext(t)
	const n = 32
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
		seen    []baldur.IdempotencyRecord
		start   = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			r := rec()
			<-start
			cur, claimed, err := s.Claim(ctx, k, r, now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("Claim: %v", err)
			case claimed:
				winners = append(winners, r.Token)
			default:
				seen = append(seen, cur)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d claims won, want exactly 1", len(winners))
	}
	for _, cur := range seen {
		if cur.Live(now) && cur.Token != winners[0] {
			t.Fatalf("a loser saw token %q, want the winner's %q", cur.Token, winners[0])
		}
	}
	got, _, err := s.Get(ctx, k)
	if err != nil || got.Token != winners[0] {
		t.Fatalf("stored token %q (%v), want the winner's %q", got.Token, err, winners[0])
	}
}
