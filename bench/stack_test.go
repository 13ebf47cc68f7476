package bench

import (
	"context"
	"testing"

	"github.com/afex/hystrix-go/hystrix"
	retrygo "github.com/avast/retry-go/v4"

	"github.com/baldur-go/baldur/bench/svc"
)

// benchStack: breaker + retry + fallback around a successful call, which
// is what a generated decorator runs on every healthy request.
func benchStack(b *testing.B, parallel bool) {
	b.Run("floor", func(b *testing.B) {
		each(b, parallel, func() int64 { return value(ok.Quote(ctx, "sku")) })
	})
	b.Run("baldur", func(b *testing.B) {
		d := svc.NewQuotesProtected(ok, newRuntime(b))
		each(b, parallel, func() int64 { return value(d.Quote(ctx, "sku")) })
	})
	b.Run("go-resiliency", func(b *testing.B) {
		br, r := newResiliency(false), newRetrier()
		each(b, parallel, func() int64 {
			var v int64
			err := r.RunCtx(ctx, func(ctx context.Context) error {
				return br.Run(func() error {
					var err error
					v, err = ok.Quote(ctx, "sku")
					return err
				})
			})
			if err != nil {
				v = 100
			}
			return v
		})
	})
	b.Run("gobreaker+retry-go", func(b *testing.B) {
		cb := newGobreaker(false)
		each(b, parallel, func() int64 {
			v, err := retrygo.DoWithData(func() (int64, error) {
				return cb.Execute(func() (int64, error) { return ok.Quote(ctx, "sku") })
			}, retryGoOpts...)
			if err != nil {
				v = 100
			}
			return v
		})
	})
	b.Run("gobreaker+backoff", func(b *testing.B) {
		cb := newGobreaker(false)
		each(b, parallel, func() int64 {
			v, err := backoffRetry(ctx, func() (int64, error) {
				return cb.Execute(func() (int64, error) { return ok.Quote(ctx, "sku") })
			})
			if err != nil {
				v = 100
			}
			return v
		})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		ex := newFailsafe(false, true)
		each(b, parallel, func() int64 {
			return value(ex.Get(func() (int64, error) { return ok.Quote(ctx, "sku") }))
		})
	})
	b.Run("hystrix-go", func(b *testing.B) {
		newHystrix("quote-ok", false)
		each(b, parallel, func() int64 {
			var v int64
			must(hystrix.Do("quote-ok", func() error {
				var err error
				v, err = ok.Quote(ctx, "sku")
				return err
			}, func(error) error { v = 100; return nil }))
			return v
		})
	})
}

func BenchmarkStackSuccess(b *testing.B)         { benchStack(b, false) }
func BenchmarkStackSuccessParallel(b *testing.B) { benchStack(b, true) }
