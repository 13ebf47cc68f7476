package bench

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// The store benchmarks run against the servers the store tests use; they
// skip, saying which variable to set, when none is configured.
const (
	envRedis    = "BALDUR_TEST_REDIS_ADDR"
	envPostgres = "BALDUR_TEST_POSTGRES_URL"
)

func serverOrSkip(b *testing.B, env string) string {
	v := os.Getenv(env)
	if v == "" {
		b.Skip("set " + env + " to run the store benchmarks against a real server")
	}
	return v
}

// storeRuntime is a runtime whose idempotency records live in s, with
// lease renewal at its default and no logging.
func storeRuntime(b *testing.B, s baldur.IdempotencyStore) *baldur.Runtime {
	rt, err := baldur.New(baldur.WithIdempotencyStore(s), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	return rt
}

// goroutines runs f b.N times in all, spread over n goroutines; f gets a
// number no other call of the run gets. Besides wall time per call it
// reports the CPU time this process spent per call (cpu-ns/op, user and
// system), which other load on the machine disturbs much less.
func goroutines(b *testing.B, n int, f func(i int64)) {
	b.ReportAllocs()
	var next atomic.Int64
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op") }()
	if n == 1 {
		for b.Loop() {
			f(next.Add(1))
		}
		return
	}
	b.SetParallelism((n + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			f(next.Add(1))
		}
	})
}

// requestCtx is a context that can be cancelled, like a request's.
var requestCtx, _ = context.WithCancel(context.Background())

// bounded runs f with a context that ends after the runtime's default
// store timeout.
func bounded(f func(ctx context.Context)) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f(ctx)
}

// uniquePrefix names the keys of one benchmark run.
func uniquePrefix() string { return "baldur-bench:" + rand.Text() + ":" }

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// cpuTime is the CPU time the process has used, user and system, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
