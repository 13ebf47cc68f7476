package bench

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// dlConns is every PostgreSQL case's pool size, ours and River's.
const dlConns = 16

// chargeArgs is River's job for a captured charge: the same bytes as the
// letter's body, plus its order ID.
type chargeArgs struct {
	OrderID string `json:"order_id"`
	Body    []byte `json:"body"`
}

func (chargeArgs) Kind() string { return "charge" }

// chargeWorker is the no-op worker.
type chargeWorker struct {
	river.WorkerDefaults[chargeArgs]
}

func (chargeWorker) Work(context.Context, *river.Job[chargeArgs]) error { return nil }

func dlPGStore(b *testing.B, pool *pgxpool.Pool, schema string) *pgstore.DeadLetterStore {
	s, err := pgstore.NewDeadLetterStore(pool, pgstore.WithDeadLetterTable(schema, "letters"))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}

// riverIn migrates River's tables into schema and returns a client;
// workers, when not nil, makes it a working client (not started).
func riverIn(b *testing.B, pool *pgxpool.Pool, schema string, workers *river.Workers) *river.Client[pgx.Tx] {
	driver := riverpgxv5.New(pool)
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		b.Fatal(err)
	}
	cfg := &river.Config{Schema: schema, Logger: slog.New(slog.DiscardHandler)}
	if workers != nil {
		// Tuned for throughput: fetch again as soon as slots free up.
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 100}}
		cfg.FetchCooldown = river.FetchCooldownMin
		cfg.FetchPollInterval = 10 * time.Millisecond
	}
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkDeadLetterPGPut: capture on PostgreSQL (one Put, one INSERT
// statement) against River's Insert of a comparable job on the same
// database, and the floor: one INSERT of the same bytes into a table with
// a primary key only. From 1 and 16 callers, each on a pool of 16.
func BenchmarkDeadLetterPGPut(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("impl=pgstore/callers=%d", n), func(b *testing.B) {
			pool, schema := dlPostgres(b, dlConns)
			s := dlPGStore(b, pool, schema)
			dlCallers(b, n, func(i int) error { return s.Put(ctx, dlLetter("l", i)) })
		})
		b.Run(fmt.Sprintf("impl=river-insert/callers=%d", n), func(b *testing.B) {
			pool, schema := dlPostgres(b, dlConns)
			c := riverIn(b, pool, schema, nil)
			dlCallers(b, n, func(i int) error {
				_, err := c.Insert(ctx, chargeArgs{OrderID: "order-l" + strconv.Itoa(i), Body: dlBody}, nil)
				return err
			})
		})
		b.Run(fmt.Sprintf("impl=floor-insert/callers=%d", n), func(b *testing.B) {
			pool, schema := dlPostgres(b, dlConns)
			table := pgx.Identifier{schema, "floor"}.Sanitize()
			if _, err := pool.Exec(ctx, "CREATE TABLE "+table+" (id text PRIMARY KEY, body bytea NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			insert := "INSERT INTO " + table + " (id, body) VALUES ($1, $2)"
			dlCallers(b, n, func(i int) error {
				_, err := pool.Exec(ctx, insert, "l"+strconv.Itoa(i), dlBody)
				return err
			})
		})
	}
}

// BenchmarkDeadLetterPGReplay: draining b.N due letters, each claimed and
// acked (a no-op replay), by 50 workers claiming up to 32 at a time (the runtime's dlq.batch);
// against River working b.N jobs with a no-op worker (100 worker slots,
// the shortest fetch cooldown). Both start with everything inserted and
// end when the last letter is acked, the last job recorded completed.
func BenchmarkDeadLetterPGReplay(b *testing.B) {
	b.Run("impl=pgstore/workers=50", func(b *testing.B) {
		pool, schema := dlPostgres(b, dlConns)
		s := dlPGStore(b, pool, schema)
		fill(b, func(i int) error { return s.Put(ctx, dlLetter("l", i)) })
		var acked atomic.Int64
		var wg sync.WaitGroup
		b.ReportAllocs()
		b.ResetTimer()
		for range 50 {
			wg.Go(func() {
				for acked.Load() < int64(b.N) {
					ls, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: time.Minute, Max: 32})
					if err != nil {
						b.Error(err)
						return
					}
					if len(ls) == 0 {
						return // the rest are claimed by other workers
					}
					for _, l := range ls {
						if err := s.Ack(ctx, l.ID, l.Token); err != nil {
							b.Error(err)
							return
						}
						acked.Add(1)
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		if acked.Load() != int64(b.N) {
			b.Fatalf("acked %d of %d", acked.Load(), b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
	})
	b.Run("impl=river-work/workers=100", func(b *testing.B) {
		pool, schema := dlPostgres(b, dlConns)
		workers := river.NewWorkers()
		river.AddWorker(workers, chargeWorker{})
		c := riverIn(b, pool, schema, workers)
		const batch = 1000
		for from := 0; from < b.N; from += batch {
			params := make([]river.InsertManyParams, 0, batch)
			for i := from; i < min(from+batch, b.N); i++ {
				params = append(params, river.InsertManyParams{Args: chargeArgs{OrderID: "order-l" + strconv.Itoa(i), Body: dlBody}})
			}
			if _, err := c.InsertMany(ctx, params); err != nil {
				b.Fatal(err)
			}
		}
		done, cancel := c.SubscribeConfig(&river.SubscribeConfig{Kinds: []river.EventKind{river.EventKindJobCompleted}, ChanSize: b.N + 1})
		defer cancel()
		b.ReportAllocs()
		b.ResetTimer()
		if err := c.Start(ctx); err != nil {
			b.Fatal(err)
		}
		timeout := time.After(5 * time.Minute)
		for n := 0; n < b.N; n++ {
			select {
			case <-done:
			case <-timeout:
				b.Fatalf("%d of %d jobs completed in 5 minutes", n, b.N)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
		stop, cancelStop := context.WithTimeout(ctx, 30*time.Second)
		defer cancelStop()
		if err := c.Stop(stop); err != nil {
			b.Fatal(err)
		}
	})
}

// fill runs put b.N times from 16 goroutines, before the timer starts.
func fill(b *testing.B, put func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				if err := put(int(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
