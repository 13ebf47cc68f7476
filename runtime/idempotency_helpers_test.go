package baldur_test

import (
	"log/slog"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// idemPolicy is a policy deduplicated by key, on a runtime of its own with
// the memory store unless opts choose another, configured by idem.
func idemPolicy(t testing.TB, idem baldur.IdempotencySettings, opts ...baldur.Option) *baldur.Policy {
	t.Helper()
	opts = append([]baldur.Option{
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: idem}}),
	}, opts...)
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt.Policy(baldur.Spec{Name: "p", Method: "baldur_test.Service.P", Dedupe: true})
}

func ptr[T any](v T) *T { return &v }

func dur(d time.Duration) *time.Duration { return &d }
