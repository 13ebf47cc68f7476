package baldur_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Callers race on a few keys: each key's method runs once, and every
// caller of the key gets that run's result, whether the callers can be
// cancelled or not (their calls take different paths).
func TestRacingCallersRunEachKeyOnce(t *testing.T) {
	t.Run("uncancellable", func(t *testing.T) { racingCallers(t, context.Background()) })
	t.Run("cancellable", func(t *testing.T) { racingCallers(t, t.Context()) })
}

func racingCallers(t *testing.T, ctx context.Context) {
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	const keys, callers = 8, 64
	var runs [keys]atomic.Int64
	var wg sync.WaitGroup
	results := make([][callers]int64, keys)
	for c := range callers {
		wg.Go(func() {
			for k := range keys {
				v, err := baldur.Idempotent(ctx, p, fmt.Sprint("order-", k), struct{ N int }{k}, func(context.Context) (int64, error) {
					return 1000*int64(k) + runs[k].Add(1), nil
				})
				if err != nil {
					t.Error(err)
				}
				results[k][c] = v
			}
		})
	}
	wg.Wait()
	for k := range keys {
		if n := runs[k].Load(); n != 1 {
			t.Fatalf("order-%d ran %d times", k, n)
		}
		for c, v := range results[k] {
			if v != 1000*int64(k)+1 {
				t.Fatalf("caller %d of order-%d got %d, want the one run's %d", c, k, v, 1000*k+1)
			}
		}
	}
}

// The same key in two tenants is two operations, also for callers that
// cannot be cancelled, and each tenant's duplicate gets its own result.
func TestUncancellableCallersKeepTenantsApart(t *testing.T) {
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	runs := 0
	run := func(context.Context) (int, error) { runs++; return runs, nil }
	for range 2 {
		for i, tenant := range []string{"acme", "globex"} {
			ctx := baldur.WithTenant(context.Background(), tenant)
			if v, err := baldur.Idempotent(ctx, p, "order-1", nil, run); err != nil || v != i+1 {
				t.Fatalf("tenant %s: %d, %v; want its own run's %d", tenant, v, err, i+1)
			}
		}
	}
	if runs != 2 {
		t.Fatalf("%d runs, want one per tenant", runs)
	}
}
