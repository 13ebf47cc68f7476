// Package bench measures Baldur's generated decorators against the Go
// resilience libraries people would otherwise use, in the same run. See
// docs/performance.md for what each case means and bench/run.sh to run them.
package bench

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/afex/hystrix-go/hystrix"

	"github.com/baldur-go/baldur/bench/svc"
	baldur "github.com/baldur-go/baldur/runtime"
)

var errFail = errors.New("bench: dependency failed")

// quotes is the dependency. fail makes every method fail.
type quotes struct{ fail bool }

func (q *quotes) Quote(ctx context.Context, sku string) (int64, error) {
	if q.fail {
		return 0, errFail
	}
	return 42, nil
}

func (q *quotes) Check(ctx context.Context, sku string) error {
	if q.fail {
		return errFail
	}
	return nil
}

func (q *quotes) Fetch(ctx context.Context, sku string) error { return q.Check(ctx, sku) }

// ok and failing are package variables of interface type, so the compiler
// cannot devirtualize calls through them: calling ok directly is the floor.
var (
	ok      svc.Quotes = &quotes{}
	failing svc.Quotes = &quotes{fail: true}
)

var ctx = context.Background()

// config gives the fetch policy zero backoff, so the failing-retry case
// measures the retry machinery, not sleeping, and turns its retry budget
// off so that every call makes its 3 attempts like the peers'.
const config = `
policies:
  fetch:
    retry: {initial_delay: 0s}
    budget: {enabled: false}
`

func newRuntime(b *testing.B) *baldur.Runtime {
	// A discarding logger: transitions would otherwise print in the middle
	// of benchmark result lines.
	rt, err := baldur.New(baldur.WithConfigYAML([]byte(config)), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	return rt
}

// each runs f b.N times, on one goroutine or, with parallel, spread over
// GOMAXPROCS goroutines. f's result is summed per goroutine and stored once,
// so that the harness itself writes no shared memory while it measures.
func each(b *testing.B, parallel bool, f func() int64) {
	b.ReportAllocs()
	if !parallel {
		var sum int64
		for b.Loop() {
			sum += f()
		}
		sink.Add(sum)
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		var sum int64
		for pb.Next() {
			sum += f()
		}
		sink.Add(sum)
	})
}

func must(err error) int64 {
	if err != nil {
		panic(err)
	}
	return 1
}

func mustFail(err error) int64 {
	if err == nil {
		panic("bench: call succeeded")
	}
	return 1
}

// value returns v after checking err.
func value(v int64, err error) int64 {
	must(err)
	return v
}

// sink keeps results alive.
var sink atomic.Int64

// benchBreakerSuccess: a breaker in the closed state around a successful call.
func benchBreakerSuccess(b *testing.B, parallel bool) {
	b.Run("floor", func(b *testing.B) {
		each(b, parallel, func() int64 { return must(ok.Check(ctx, "sku")) })
	})
	b.Run("baldur", func(b *testing.B) {
		d := svc.NewQuotesProtected(ok, newRuntime(b))
		each(b, parallel, func() int64 { return must(d.Check(ctx, "sku")) })
	})
	b.Run("go-resiliency", func(b *testing.B) {
		br := newResiliency(false)
		each(b, parallel, func() int64 { return must(br.Run(func() error { return ok.Check(ctx, "sku") })) })
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := newGobreaker(false)
		each(b, parallel, func() int64 {
			_, err := cb.Execute(func() (int64, error) { return 0, ok.Check(ctx, "sku") })
			return must(err)
		})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		ex := newFailsafe(false, false)
		each(b, parallel, func() int64 { return must(ex.Run(func() error { return ok.Check(ctx, "sku") })) })
	})
	b.Run("hystrix-go", func(b *testing.B) {
		newHystrix("check-ok", false)
		each(b, parallel, func() int64 { return must(hystrix.Do("check-ok", func() error { return ok.Check(ctx, "sku") }, nil)) })
	})
}

func BenchmarkBreakerSuccess(b *testing.B)         { benchBreakerSuccess(b, false) }
func BenchmarkBreakerSuccessParallel(b *testing.B) { benchBreakerSuccess(b, true) }
