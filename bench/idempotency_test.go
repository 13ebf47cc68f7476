package bench

import (
	"context"
	"strconv"
	"testing"

	"golang.org/x/sync/singleflight"

	"github.com/baldur-go/baldur/bench/svc"
)

// orders is the dependency of the idempotency cases.
type orders struct{}

func (orders) Place(ctx context.Context, orderID string, amount int64) (int64, error) {
	return amount, nil
}

// keys are distinct order IDs, built before the timer starts.
func keys(n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = "order-" + strconv.Itoa(i)
	}
	return k
}

// BenchmarkIdempotency compares a protected call deduplicated by key on the
// in-memory store with singleflight.Do, which only merges concurrent calls
// and keeps nothing: unique keys (every call runs), and a stored hit (a
// repeated key answered without running).
func BenchmarkIdempotency(b *testing.B) {
	const n = 1 << 16
	ids := keys(n)
	b.Run("impl=singleflight/key=unique", func(b *testing.B) {
		var g singleflight.Group
		var o svc.Orders = orders{}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			id := ids[i%n]
			i++
			g.Do(id, func() (any, error) { return o.Place(ctx, id, 100) })
		}
	})
	b.Run("impl=baldur/key=unique", func(b *testing.B) {
		o := svc.NewOrdersProtected(orders{}, newRuntime(b))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			// Unique per iteration: a key seen n iterations ago has long
			// been evicted from the 10,000-record store.
			if _, err := o.Place(ctx, ids[i%n], 100); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("impl=baldur/key=stored", func(b *testing.B) {
		o := svc.NewOrdersProtected(orders{}, newRuntime(b))
		if _, err := o.Place(ctx, "order-1", 100); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Place(ctx, "order-1", 100); err != nil {
				b.Fatal(err)
			}
		}
	})
}
