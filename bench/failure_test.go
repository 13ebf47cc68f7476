package bench

import (
	"context"
	"testing"

	"github.com/afex/hystrix-go/hystrix"
	retrygo "github.com/avast/retry-go/v4"

	"github.com/baldur-go/baldur/bench/svc"
	baldur "github.com/baldur-go/baldur/runtime"
)

// BenchmarkOpenReject: a breaker that is open refuses a call.
func BenchmarkOpenReject(b *testing.B) {
	b.Run("baldur", func(b *testing.B) {
		rt := newRuntime(b)
		d := svc.NewQuotesProtected(failing, rt)
		for rt.Breaker("check").State() != baldur.StateOpen {
			d.Check(ctx, "sku")
		}
		each(b, false, func() int64 { return mustFail(d.Check(ctx, "sku")) })
	})
	b.Run("baldur-fallback", func(b *testing.B) {
		rt := newRuntime(b)
		d := svc.NewQuotesProtected(failing, rt)
		for rt.Breaker("quote").State() != baldur.StateOpen {
			d.Quote(ctx, "sku")
		}
		each(b, false, func() int64 { return value(d.Quote(ctx, "sku")) })
	})
	b.Run("go-resiliency", func(b *testing.B) {
		br := newResiliency(true)
		each(b, false, func() int64 { return mustFail(br.Run(func() error { return ok.Check(ctx, "sku") })) })
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := newGobreaker(true)
		each(b, false, func() int64 {
			_, err := cb.Execute(func() (int64, error) { return 0, ok.Check(ctx, "sku") })
			return mustFail(err)
		})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		ex := newFailsafe(true, false)
		each(b, false, func() int64 { return mustFail(ex.Run(func() error { return ok.Check(ctx, "sku") })) })
	})
	b.Run("hystrix-go", func(b *testing.B) {
		newHystrix("check-open", true)
		each(b, false, func() int64 {
			return mustFail(hystrix.Do("check-open", func() error { return ok.Check(ctx, "sku") }, nil))
		})
	})
}

// BenchmarkRetryFail3: three attempts that all fail, with zero backoff.
func BenchmarkRetryFail3(b *testing.B) {
	b.Run("baldur", func(b *testing.B) {
		d := svc.NewQuotesProtected(failing, newRuntime(b))
		each(b, false, func() int64 { return mustFail(d.Fetch(ctx, "sku")) })
	})
	b.Run("go-resiliency", func(b *testing.B) {
		r := newRetrier()
		each(b, false, func() int64 {
			return mustFail(r.RunCtx(ctx, func(ctx context.Context) error { return failing.Fetch(ctx, "sku") }))
		})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		ex := failsafeRetry()
		each(b, false, func() int64 { return mustFail(ex.Run(func() error { return failing.Fetch(ctx, "sku") })) })
	})
	b.Run("retry-go", func(b *testing.B) {
		each(b, false, func() int64 {
			return mustFail(retrygo.Do(func() error { return failing.Fetch(ctx, "sku") }, retryGoOpts...))
		})
	})
	b.Run("backoff", func(b *testing.B) {
		each(b, false, func() int64 {
			_, err := backoffRetry(ctx, func() (int64, error) { return 0, failing.Fetch(ctx, "sku") })
			return mustFail(err)
		})
	})
}
