package bench

import (
	"context"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// The dead-letter cases: a captured call is a letter of this size (a
// charge's arguments and its error, encoded), and River's comparable job
// carries the same bytes.
const dlBodySize = 256

var dlBody = []byte(strings.Repeat("x", dlBodySize))

var dlEpoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// *pgxpool.Pool is what users pass to the dead-letter store.
var _ pgstore.DeadLetterDB = (*pgxpool.Pool)(nil)

// dlLetter is letter i of a run; prefix keeps runs apart.
func dlLetter(prefix string, i int) baldur.StoredLetter {
	id := prefix + strconv.Itoa(i)
	return baldur.StoredLetter{
		Letter: baldur.Letter{
			ID: id, Policy: "charge", Method: "pay.Gateway.Charge", Key: "order-" + id,
			Fields: map[string]string{"order_id": id}, Attempts: 3,
			Created: dlEpoch, LastFailed: dlEpoch, NextReplay: dlEpoch,
		},
		Signature: "sig-1", Body: dlBody,
	}
}

// dlCallers runs op b.N times from n goroutines and reports throughput
// (letters/s) and the latency of one op at the median and the 99th
// percentile. ns/op is wall time per op: 1/throughput.
func dlCallers(b *testing.B, n int, op func(i int) error) {
	var next atomic.Int64
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for c := range n {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				t0 := time.Now()
				if err := op(int(i)); err != nil {
					b.Error(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
}

// dlPostgres connects a pool to the benchmark database and creates a
// fresh schema, dropped at the end (only what the run created).
func dlPostgres(b *testing.B, conns int32) (*pgxpool.Pool, string) {
	b.Helper()
	url := testenv.Env(b, "BALDUR_TEST_POSTGRES_URL", "the PostgreSQL dead-letter benchmarks (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns, cfg.MinConns = conns, conns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	schema := "baldur_dlq_bench_" + strings.ToLower(rand.Text())
	if _, err := pool.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		pool.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			b.Errorf("dropping %s: %v", schema, err)
		}
		pool.Close()
	})
	return pool, schema
}
