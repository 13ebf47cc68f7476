package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// putMany puts n letters from 16 goroutines.
func putMany(t *testing.T, s baldur.DeadLetterStore, n int) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				l := dlLetter(fmt.Sprintf("l%05d", i))
				l.Created = dlEpoch.Add(time.Duration(i) * time.Millisecond)
				if err := s.Put(context.Background(), l); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// drain runs workers that claim (up to 10 at a time, with a short lease)
// and handle letters until every letter is acked. The handler is
// idempotent: its effect is an INSERT ... ON CONFLICT DO NOTHING keyed by
// the letter's idempotency key into a table of effects. One handling in
// fifty "crashes" after the effect and before the ack, so that letter is
// claimed again once its lease ends. It returns the handlings.
func drain(t *testing.T, stores []baldur.DeadLetterStore, db *dlPool, effects string, workers, letters int) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var handled, acked, crashed atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			poll := time.NewTicker(5 * time.Millisecond)
			defer poll.Stop()
			for acked.Load() < int64(letters) {
				ls, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: time.Now(), Lease: 200 * time.Millisecond, Max: 10})
				if err != nil {
					t.Errorf("worker %d: Claim: %v", w, err)
					return
				}
				if len(ls) == 0 {
					select { // polling, with the test's deadline
					case <-poll.C:
					case <-ctx.Done():
						t.Errorf("worker %d: letters left at the deadline", w)
						return
					}
					continue
				}
				for _, l := range ls {
					if _, err := db.Exec(ctx, "INSERT INTO "+effects+" (key) VALUES ($1) ON CONFLICT DO NOTHING", l.Key); err != nil {
						t.Errorf("worker %d: effect: %v", w, err)
						return
					}
					if handled.Add(1)%50 == 0 {
						crashed.Add(1)
						continue // crashed before the ack
					}
					switch err := s.Ack(ctx, l.ID, l.Token); {
					case err == nil:
						acked.Add(1)
					case err == baldur.ErrLeaseLost:
						// Its lease ran out and another worker has it: that one acks.
					default:
						t.Errorf("worker %d: Ack: %v", w, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d workers: %d handlings for %d letters (%d crashed before the ack)", workers, handled.Load(), letters, crashed.Load())
	return handled.Load()
}

func effectsTable(t *testing.T, db *dlPool, schema string) string {
	t.Helper()
	name := pgx.Identifier{schema, "effects"}.Sanitize()
	if _, err := db.Exec(context.Background(), "CREATE TABLE "+name+" (key text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	return name
}

func effectCount(t *testing.T, db *dlPool, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// D6, across two replicas: 50 workers on two stores with their own pools
// drain 10,000 letters. Every letter is handled at least once, the effect
// count is exactly 10,000, the table ends empty, and no error (a
// serialization failure included) reaches a worker.
func TestDeadLetterFiftyWorkersTenThousandLetters(t *testing.T) {
	dlLeakCheck(t)
	const workers, letters = 50, 10_000
	cfg := dlConfig(t, nil)
	db := dlConnect(t, cfg, 8)
	schema := dlSchema(t, db)
	a := dlStore(t, dlConnect(t, cfg, 8), schema)
	b := dlStore(t, dlConnect(t, cfg, 8), schema)
	effects := effectsTable(t, db, schema)
	putMany(t, a, letters)
	start := time.Now()
	if handled := drain(t, []baldur.DeadLetterStore{a, b}, db, effects, workers, letters); handled < letters {
		t.Fatalf("%d handlings, want at least %d", handled, letters)
	}
	t.Logf("drained in %v", time.Since(start).Round(time.Millisecond))
	if n := effectCount(t, db, effects); n != letters {
		t.Fatalf("effect count %d, want exactly %d", n, letters)
	}
	if cs, err := a.Counts(context.Background()); err != nil || len(cs) != 0 {
		t.Fatalf("letters left: %v, %v", cs, err)
	}
}

// D6 on a server whose default isolation is SERIALIZABLE: a claim's row
// changed by another claim after this one's snapshot fails with 40001
// there; the store retries it, and no serialization failure reaches a
// worker.
func TestDeadLetterSerializableDefaultNoFailureEscapes(t *testing.T) {
	dlLeakCheck(t)
	const workers, letters = 16, 2_000
	cfg := dlConfig(t, func(c *pgx.ConnConfig) { c.RuntimeParams["default_transaction_isolation"] = "serializable" })
	db := dlConnect(t, cfg, 8)
	schema := dlSchema(t, db)
	s, err := pgstore.NewDeadLetterStore(dlConnect(t, cfg, 8), pgstore.WithDeadLetterTable(schema, "letters"))
	if err != nil {
		t.Fatal(err)
	}
	var retries atomic.Int64
	s.OnDeadLetterRetry(func() { retries.Add(1) })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var level string
	if err := db.QueryRow(context.Background(), "SHOW transaction_isolation").Scan(&level); err != nil || level != "serializable" {
		t.Fatalf("isolation %q, %v; want serializable", level, err)
	}
	effects := effectsTable(t, db, schema)
	putMany(t, s, letters)
	drain(t, []baldur.DeadLetterStore{s}, db, effects, workers, letters)
	if n := effectCount(t, db, effects); n != letters {
		t.Fatalf("effect count %d, want exactly %d", n, letters)
	}
	t.Logf("%d serialization failures or deadlocks retried inside the store", retries.Load())
}

// Two replicas (two stores, two pools) claiming at once with a long lease:
// each letter goes to exactly one of them.
func TestDeadLetterTwoReplicasClaimEachLetterOnce(t *testing.T) {
	dlLeakCheck(t)
	const letters = 2_000
	cfg := dlConfig(t, nil)
	db := dlConnect(t, cfg, 4)
	schema := dlSchema(t, db)
	replicas := []baldur.DeadLetterStore{dlStore(t, dlConnect(t, cfg, 4), schema), dlStore(t, dlConnect(t, cfg, 4), schema)}
	putMany(t, replicas[0], letters)
	var mu sync.Mutex
	owner := map[string]int{}
	var wg sync.WaitGroup
	for r, s := range replicas {
		for range 4 {
			wg.Go(func() {
				for {
					ls, err := s.Claim(context.Background(), baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch.Add(time.Hour), Lease: time.Hour, Max: 25})
					if err != nil {
						t.Error(err)
						return
					}
					if len(ls) == 0 {
						return
					}
					mu.Lock()
					for _, l := range ls {
						if prev, dup := owner[l.ID]; dup {
							t.Errorf("letter %s claimed by replica %d and again by %d within its lease", l.ID, prev, r)
						}
						owner[l.ID] = r
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	per := [2]int{}
	for _, r := range owner {
		per[r]++
	}
	if len(owner) != letters {
		t.Fatalf("%d letters claimed, want %d", len(owner), letters)
	}
	t.Logf("replica 0 claimed %d, replica 1 claimed %d", per[0], per[1])
}
