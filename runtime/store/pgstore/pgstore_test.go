package pgstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baldur-go/baldur/internal/testenv"
	"github.com/baldur-go/baldur/runtime/idempotency"
	"github.com/baldur-go/baldur/runtime/idempotency/storetest"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

const envURL = "BALDUR_TEST_POSTGRES_URL"

// pool connects size connections to the test database, skipping when none
// is configured and failing when the configured one does not answer.
// configure may adjust each connection's config.
func pool(t testing.TB, size int, configure func(*pgx.ConnConfig)) *connPool {
	t.Helper()
	url := testenv.Env(t, envURL, "the PostgreSQL store tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	if configure != nil {
		configure(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := &connPool{cfg: cfg, conns: make(chan *pgx.Conn, size)}
	for range size {
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("%s does not answer: %v", envURL, err)
		}
		p.conns <- c
	}
	t.Cleanup(p.close)
	return p
}

// freshSchema creates a schema no other test uses, with the store's table
// in it, and drops it when the test ends.
func freshSchema(t testing.TB, p *connPool) (*pgstore.Store, string) {
	t.Helper()
	ctx := context.Background()
	schema := "baldur_test_" + strings.ToLower(rand.Text())
	if _, err := p.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := p.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
	})
	s := pgstore.New(p, pgstore.WithTable(schema, "idempotency"))
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s, schema
}

func TestConformance(t *testing.T) {
	p := pool(t, 8, nil)
	storetest.Run(t, storetest.Backend{
		Open: func(t testing.TB) (idempotency.Store, string) { return freshSchema(t, p) },
		Attach: func(t testing.TB, schema string) idempotency.Store {
			return pgstore.New(pool(t, 4, nil), pgstore.WithTable(schema, "idempotency"))
		},
	})
}

// Migrate may run in several replicas at once and again on every start.
func TestMigrateIsRepeatable(t *testing.T) {
	p := pool(t, 4, nil)
	s, _ := freshSchema(t, p)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := s.Migrate(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// I14: two connections, 500 claims each on one key: one row, one winner,
// and every loser reads the winner's record (or, when it raced the
// winner's commit, nothing, which the engine retries).
func TestClaimOnConflictTwoConnections(t *testing.T) {
	p := pool(t, 2, nil)
	s, schema := freshSchema(t, p)
	key := idempotency.StoreKey("", "", "charge-customer", "o-1")
	now := time.Now()
	var (
		wg              sync.WaitGroup
		won, saw, raced atomic.Int64
		mu              sync.Mutex
		winner          string
		tokens          []string
		start           = make(chan struct{})
	)
	for range 2 {
		wg.Go(func() {
			<-start
			for range 500 {
				rec := idempotency.Record{State: idempotency.StateInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(time.Minute)}
				cur, claimed, err := s.Claim(context.Background(), key, rec, now)
				switch {
				case err != nil:
					t.Error(err)
					return
				case claimed:
					won.Add(1)
					mu.Lock()
					winner = rec.Token
					mu.Unlock()
				case cur.State == 0:
					raced.Add(1)
				default:
					saw.Add(1)
					mu.Lock()
					tokens = append(tokens, cur.Token)
					mu.Unlock()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	var rows int
	if err := p.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{schema, "idempotency"}.Sanitize()).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || won.Load() != 1 {
		t.Fatalf("%d rows, %d winners; want 1 and 1", rows, won.Load())
	}
	for _, tok := range tokens {
		if tok != winner {
			t.Fatalf("a loser read token %s, want the winner's %s", tok, winner)
		}
	}
	t.Logf("999 losers: %d read the winner's row, %d raced its commit", saw.Load(), raced.Load())
}

// tracer counts statements and the prepares that precede a statement's
// first use on a connection: each is one round trip.
type tracer struct{ n atomic.Int64 }

func (tr *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	tr.n.Add(1)
	return ctx
}
func (tr *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (tr *tracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	tr.n.Add(1)
	return ctx
}
func (tr *tracer) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

type receipt struct{ ID string }

func charge(ctx context.Context, e *idempotency.Engine, key string, calls *atomic.Int64) (receipt, error) {
	return idempotency.Do(ctx, e, idempotency.Call{Policy: "charge-customer", Key: key, Args: struct{ Amount int64 }{100}},
		func(context.Context) (receipt, error) { calls.Add(1); return receipt{ID: rand.Text()}, nil })
}

// A first call is one round trip to claim and one to complete, a duplicate
// one, once the connection has prepared the statements.
func TestRoundTrips(t *testing.T) {
	tr := &tracer{}
	p := pool(t, 1, func(c *pgx.ConnConfig) { c.Tracer = tr })
	s, _ := freshSchema(t, p)
	e, err := idempotency.New(s, idempotency.Config{RenewEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var calls atomic.Int64
	if _, err := charge(ctx, e, "warm-up", &calls); err != nil {
		t.Fatal(err)
	}
	tr.n.Store(0)
	if _, err := charge(ctx, e, "o-1", &calls); err != nil {
		t.Fatal(err)
	}
	if n := tr.n.Swap(0); n != 2 {
		t.Errorf("first call: %d round trips, want 2 (claim, complete)", n)
	}
	if _, err := charge(ctx, e, "o-1", &calls); err != nil {
		t.Fatal(err)
	}
	if n := tr.n.Swap(0); n != 1 {
		t.Errorf("duplicate: %d round trips, want 1", n)
	}
}

// A database that does not answer gives a typed store error, and the call
// does not run.
func TestUnreachable(t *testing.T) {
	testenv.Env(t, envURL, "the PostgreSQL store tests")
	e, err := idempotency.New(pgstore.New(dialer("postgres://postgres@127.0.0.1:1/test?sslmode=disable")), idempotency.Config{StoreTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	start := time.Now()
	_, err = charge(context.Background(), e, "o-1", &calls)
	var se *idempotency.StoreError
	if !errors.As(err, &se) || se.Op != "claim" || !errors.Is(err, idempotency.ErrStore) || calls.Load() != 0 {
		t.Fatalf("err = %v after %d runs, want a claim *StoreError and no run", err, calls.Load())
	}
	t.Logf("failed after %v: %v", time.Since(start), err)
}

// Purge deletes expired rows only, in batches.
func TestPurge(t *testing.T) {
	s, _ := freshSchema(t, pool(t, 1, nil))
	ctx, now := context.Background(), time.Now()
	for i, life := range []time.Duration{-time.Hour, -time.Minute, -time.Second, time.Hour} {
		rec := idempotency.Record{State: idempotency.StateInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(life)}
		if _, claimed, err := s.Claim(ctx, idempotency.StoreKey("", "", "p", string(rune('a'+i))), rec, now.Add(-2*time.Hour)); err != nil || !claimed {
			t.Fatal(claimed, err)
		}
	}
	if n, err := s.Purge(ctx, now, 2); err != nil || n != 2 {
		t.Fatalf("Purge(limit 2) = %d, %v", n, err)
	}
	if n, err := s.Purge(ctx, now, 100); err != nil || n != 1 {
		t.Fatalf("second Purge = %d, %v; want the last expired row", n, err)
	}
	if _, ok, _ := s.Get(ctx, idempotency.StoreKey("", "", "p", "d")); !ok {
		t.Fatal("a live row was purged")
	}
}
