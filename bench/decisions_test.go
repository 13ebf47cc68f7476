package bench

import (
	"context"
	"log/slog"
	"testing"

	"github.com/baldur-go/baldur/bench/svc"
	baldur "github.com/baldur-go/baldur/runtime"
)

// checkout is Checkout's dependency: it always succeeds.
type checkout struct{}

func (checkout) Pay(ctx context.Context, orderID string, amount int64, req *svc.Request) (int64, error) {
	return amount, nil
}

func (checkout) PayPlain(ctx context.Context, orderID string, amount int64, req *svc.Request) (int64, error) {
	return amount, nil
}

var checkoutOK svc.Checkout = checkout{}

// decisionsConfig gives Pay an override keyed by tier; the calls are for
// another tier, so the override is looked at and passed over on every call.
const decisionsConfig = `
policies:
  checkout:
    overrides:
      - when: {tier: critical}
        retry: {attempts: 6}
`

// benchDecisions: the generated decorator of a method with three fields,
// an error-only classifier and an override, on the happy path, against
// the same method without them and the bare call.
func benchDecisions(b *testing.B, parallel bool) {
	req := &svc.Request{Customer: &svc.Customer{Tier: "gold"}}
	runtime := func(b *testing.B, config string) *baldur.Runtime {
		rt, err := baldur.New(baldur.WithConfigYAML([]byte(config)), baldur.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close() })
		return rt
	}
	b.Run("floor", func(b *testing.B) {
		each(b, parallel, func() int64 { return value(checkoutOK.Pay(ctx, "o-1", 100, req)) })
	})
	b.Run("baldur-plain", func(b *testing.B) {
		d := svc.NewCheckoutProtected(checkoutOK, runtime(b, decisionsConfig))
		each(b, parallel, func() int64 { return value(d.PayPlain(ctx, "o-1", 100, req)) })
	})
	// The fields gathered for the classifier, without the override: what
	// the generated code adds.
	b.Run("baldur-fields-classify", func(b *testing.B) {
		d := svc.NewCheckoutProtected(checkoutOK, runtime(b, ""))
		each(b, parallel, func() int64 { return value(d.Pay(ctx, "o-1", 100, req)) })
	})
	b.Run("baldur-fields-classify-override", func(b *testing.B) {
		d := svc.NewCheckoutProtected(checkoutOK, runtime(b, decisionsConfig))
		each(b, parallel, func() int64 { return value(d.Pay(ctx, "o-1", 100, req)) })
	})
}

func BenchmarkDecisions(b *testing.B)         { benchDecisions(b, false) }
func BenchmarkDecisionsParallel(b *testing.B) { benchDecisions(b, true) }
