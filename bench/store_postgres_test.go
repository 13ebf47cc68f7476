package bench

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/baldur-go/baldur/bench/svc"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
	"github.com/baldur-go/baldur/runtime/store/storetest"
)

// BenchmarkPostgresIdempotency compares Orders.Place, deduplicated on
// PostgreSQL, with the statements it cannot avoid, on the same pool: a
// unique key is a claim (INSERT ... ON CONFLICT DO NOTHING) and a
// completing write (UPDATE ... WHERE token); a duplicate is one SELECT.
// impl=baldur, impl=baldur-cancellable and impl=floor-bounded are as in
// BenchmarkRedisIdempotency; a deadline makes pgx watch the context on a
// goroutine of its own for every statement.
func BenchmarkPostgresIdempotency(b *testing.B) {
	cfg, err := pgxpool.ParseConfig(serverOrSkip(b, envPostgres))
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 16
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	schema := "baldur_bench_" + strings.ToLower(rand.Text())
	if _, err := p.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	s := pgstore.New(p, pgstore.WithTable(schema, "idempotency"), pgstore.WithBoundedByContext())
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	d := svc.NewOrdersProtected(orders{}, storeRuntime(b, s))
	table := pgx.Identifier{schema, "idempotency"}.Sanitize()
	insert := "INSERT INTO " + table + ` (key, state, token, fingerprint, value, expires_at) VALUES ($1, 1, $2, $3, NULL, $4) ON CONFLICT (key) DO NOTHING`
	update := "UPDATE " + table + ` SET state = 2, fingerprint = $3, value = $4, expires_at = $5 WHERE key = $1 AND token = $2`
	sel := "SELECT state, token, fingerprint, value, expires_at FROM " + table + " WHERE key = $1"
	const fp = "1f5a8c2ed3b4d8a7e6f9c0b1a2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5"
	result := []byte(`{"r0":100}`)
	if _, err := d.Place(ctx, "stored", 100); err != nil {
		b.Fatal(err)
	}
	stored := storetest.StoreKey("", "", "place", "stored")
	for _, n := range []int{1, 16} {
		g := "/goroutines=" + strconv.Itoa(n)
		b.Run("impl=floor/key=unique"+g, func(b *testing.B) {
			run := rand.Text() // the harness calls this function several times
			goroutines(b, n, func(i int64) {
				k, token, exp := run+itoa(i), rand.Text(), time.Now().Add(24*time.Hour)
				if _, err := p.Exec(ctx, insert, k, token, fp, time.Now().Add(30*time.Second)); err != nil {
					panic(err)
				}
				if _, err := p.Exec(ctx, update, k, token, fp, result, exp); err != nil {
					panic(err)
				}
			})
		})
		b.Run("impl=floor-bounded/key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) {
				k, token, exp := run+itoa(i), rand.Text(), time.Now().Add(24*time.Hour)
				bounded(func(ctx context.Context) {
					if _, err := p.Exec(ctx, insert, k, token, fp, time.Now().Add(30*time.Second)); err != nil {
						panic(err)
					}
				})
				bounded(func(ctx context.Context) {
					if _, err := p.Exec(ctx, update, k, token, fp, result, exp); err != nil {
						panic(err)
					}
				})
			})
		})
		b.Run("impl=baldur/key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) { must2(d.Place(ctx, run+itoa(i), 100)) })
		})
		b.Run("impl=baldur-cancellable/key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) { must2(d.Place(requestCtx, run+itoa(i), 100)) })
		})
		b.Run("impl=floor/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) {
				var (
					state       int16
					tok, fprint string
					value       []byte
					exp         time.Time
				)
				if err := p.QueryRow(ctx, sel, stored).Scan(&state, &tok, &fprint, &value, &exp); err != nil {
					panic(err)
				}
			})
		})
		b.Run("impl=floor-bounded/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) {
				var (
					state       int16
					tok, fprint string
					value       []byte
					exp         time.Time
				)
				bounded(func(ctx context.Context) {
					if err := p.QueryRow(ctx, sel, stored).Scan(&state, &tok, &fprint, &value, &exp); err != nil {
						panic(err)
					}
				})
			})
		})
		b.Run("impl=baldur/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) { must2(d.Place(ctx, "stored", 100)) })
		})
		b.Run("impl=baldur-cancellable/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) { must2(d.Place(requestCtx, "stored", 100)) })
		})
	}
}
