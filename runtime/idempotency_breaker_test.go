package baldur_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
)

// A dependency that hangs until its context ends opens the breaker of a
// keyed policy as it opens an unkeyed one. Callers with short deadlines
// leave the flight; once every caller has left, the flight's context is
// cancelled as abandoned, and the breaker counts that attempt as a
// failure, not as a caller's cancellation. (It used to count nothing: the
// keyed breaker stayed closed with no calls while the unkeyed one opened.)
func TestKeyedBreakerOpensOnAHungDependency(t *testing.T) {
	rt, err := baldur.New(baldur.WithLogger(slog.New(slog.DiscardHandler)), baldur.WithConfigYAML([]byte(`
breakers:
  plain: {size: 10, minimum_calls: 5, failure_rate: 50}
  keyed: {size: 10, minimum_calls: 5, failure_rate: 50}
`)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	plain := rt.Policy(baldur.Spec{Name: "plain", Method: "test.Dep.Plain", Breaker: "plain"})
	keyed := rt.Policy(baldur.Spec{Name: "keyed", Method: "test.Dep.Keyed", Breaker: "keyed", Dedupe: true})
	hung := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

	for i := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		_ = plain.Do(ctx, nil, hung)
		cancel()
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, _ = baldur.Idempotent(ctx, keyed, fmt.Sprint("order-", i), nil, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, keyed.Do(ctx, nil, hung)
		})
		cancel()
		// The abandoned flight ends after its caller has returned.
		testenv.Eventually(t, "the keyed attempt is recorded", func() bool {
			m := keyed.Breaker().Metrics()
			return m.Calls == int64(i+1) || m.State != baldur.StateClosed
		})
	}
	for _, p := range []*baldur.Policy{plain, keyed} {
		if m := p.Breaker().Metrics(); m.State != baldur.StateOpen {
			t.Errorf("breaker %s: %+v, want open after 5 timed-out calls of 5", p.Name(), m)
		}
	}
}
