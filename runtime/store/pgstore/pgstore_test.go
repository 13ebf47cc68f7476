package pgstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
	"github.com/baldur-go/baldur/runtime/store/storetest"
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
		Open: func(t testing.TB) (baldur.IdempotencyStore, string) { return freshSchema(t, p) },
		Attach: func(t testing.TB, schema string) baldur.IdempotencyStore {
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
	key := storetest.StoreKey("", "", "charge-customer", "o-1")
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
				rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(time.Minute)}
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

// charger is Charge of policy charge-customer, deduplicated on s: what
// generated code does for idempotency_key=key.
type charger struct{ p *baldur.Policy }

func newCharger(t testing.TB, s baldur.IdempotencyStore, idem baldur.IdempotencyConfig) charger {
	t.Helper()
	rt, err := baldur.New(baldur.WithIdempotencyStore(s), baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: idem}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return charger{rt.Policy(baldur.Spec{Name: "charge-customer", Method: "pgstore_test.Gateway.Charge", Dedupe: true})}
}

func (c charger) charge(ctx context.Context, key string, calls *atomic.Int64) (receipt, error) {
	return baldur.Idempotent(ctx, c.p, key, struct{ Amount int64 }{100},
		func(context.Context) (receipt, error) { calls.Add(1); return receipt{ID: rand.Text()}, nil })
}

func ptr[T any](v T) *T { return &v }

// A first call is one round trip to claim and one to complete, a duplicate
// one, once the connection has prepared the statements.
func TestRoundTrips(t *testing.T) {
	// With WithBoundedByContext a caller whose context cannot be cancelled
	// makes the call on its own goroutine: the same round trips.
	for _, opts := range [][]pgstore.Option{nil, {pgstore.WithBoundedByContext()}} {
		tr := &tracer{}
		p := pool(t, 1, func(c *pgx.ConnConfig) { c.Tracer = tr })
		_, schema := freshSchema(t, p)
		s := pgstore.New(p, append(opts, pgstore.WithTable(schema, "idempotency"))...)
		e := newCharger(t, s, baldur.IdempotencyConfig{RenewEvery: baldur.Set(time.Duration(0))})
		ctx := context.Background()
		var calls atomic.Int64
		if _, err := e.charge(ctx, "warm-up", &calls); err != nil {
			t.Fatal(err)
		}
		tr.n.Store(0)
		first, err := e.charge(ctx, "o-1", &calls)
		if err != nil {
			t.Fatal(err)
		}
		if n := tr.n.Swap(0); n != 2 {
			t.Errorf("bounded %v: first call: %d round trips, want 2 (claim, complete)", s.BoundedByContext(), n)
		}
		again, err := e.charge(ctx, "o-1", &calls)
		if err != nil || again != first {
			t.Fatalf("bounded %v: duplicate = %+v, %v; want %+v", s.BoundedByContext(), again, err, first)
		}
		if n := tr.n.Swap(0); n != 1 {
			t.Errorf("bounded %v: duplicate: %d round trips, want 1", s.BoundedByContext(), n)
		}
	}
}

// A database that does not answer gives a typed store error, and the call
// does not run.
func TestUnreachable(t *testing.T) {
	testenv.Env(t, envURL, "the PostgreSQL store tests")
	e := newCharger(t, pgstore.New(dialer("postgres://postgres@127.0.0.1:1/test?sslmode=disable")), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(500 * time.Millisecond)})
	var calls atomic.Int64
	start := time.Now()
	_, err := e.charge(context.Background(), "o-1", &calls)
	var se *baldur.StoreError
	if !errors.As(err, &se) || se.Op != "claim" || !errors.Is(err, baldur.ErrIdempotencyStore) || calls.Load() != 0 {
		t.Fatalf("err = %v after %d runs, want a claim *StoreError and no run", err, calls.Load())
	}
	t.Logf("failed after %v: %v", time.Since(start), err)
}

// Purge deletes expired rows only, in batches.
func TestPurge(t *testing.T) {
	s, _ := freshSchema(t, pool(t, 1, nil))
	ctx, now := context.Background(), time.Now()
	for i, life := range []time.Duration{-time.Hour, -time.Minute, -time.Second, time.Hour} {
		rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(life)}
		if _, claimed, err := s.Claim(ctx, storetest.StoreKey("", "", "p", string(rune('a'+i))), rec, now.Add(-2*time.Hour)); err != nil || !claimed {
			t.Fatal(claimed, err)
		}
	}
	if n, err := s.Purge(ctx, now, 2); err != nil || n != 2 {
		t.Fatalf("Purge(limit 2) = %d, %v", n, err)
	}
	if n, err := s.Purge(ctx, now, 100); err != nil || n != 1 {
		t.Fatalf("second Purge = %d, %v; want the last expired row", n, err)
	}
	if _, ok, _ := s.Get(ctx, storetest.StoreKey("", "", "p", "d")); !ok {
		t.Fatal("a live row was purged")
	}
}

// A claim that finds a live record reads it and writes nothing: no row
// lock, no WAL to flush, so a duplicate costs one read. (The claim used to
// lock the live row through ON CONFLICT DO UPDATE, which also made every
// duplicate wait for a WAL flush.) A row lock shows in the row's xmax.
func TestDuplicateClaimDoesNotWrite(t *testing.T) {
	p := pool(t, 1, nil)
	s, schema := freshSchema(t, p)
	ctx, now := context.Background(), time.Now()
	key := storetest.StoreKey("", "", "p", "k")
	rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(time.Minute)}
	if _, claimed, err := s.Claim(ctx, key, rec, now); err != nil || !claimed {
		t.Fatal(claimed, err)
	}
	rec.State, rec.Value, rec.Expires = baldur.RecordCompleted, []byte("v"), now.Add(time.Hour)
	if err := s.Update(ctx, key, rec, now); err != nil {
		t.Fatal(err)
	}
	xmax := func() string {
		var x string
		if err := p.QueryRow(ctx, "SELECT xmax::text FROM "+pgx.Identifier{schema, "idempotency"}.Sanitize()+" WHERE key = $1", key).Scan(&x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	before := xmax()
	for range 3 {
		cur, claimed, err := s.Claim(ctx, key, baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(time.Minute)}, now)
		if err != nil || claimed || cur.Token != rec.Token || string(cur.Value) != "v" {
			t.Fatalf("duplicate claim = %+v, %v, %v; want the live record, refused", cur, claimed, err)
		}
	}
	if after := xmax(); after != before {
		t.Fatalf("xmax went from %s to %s: a duplicate's claim locked the row", before, after)
	}
}
