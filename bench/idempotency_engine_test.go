package bench

import (
	"crypto/rand"
	"strconv"
	"testing"

	"github.com/baldur-go/baldur/bench/svc"
	baldur "github.com/baldur-go/baldur/runtime"
)

// costless is a store elsewhere that costs nothing: a memory store the
// engine cannot see is one, so that it takes the path of Redis or
// PostgreSQL (a flight on a goroutine of its own, watched operations,
// sha256 keys, canonical JSON).
type costless struct{ baldur.IdempotencyStore }

// BenchmarkIdempotencyEngine is the engine's own cost on a store
// elsewhere, with a cancellable caller: what the store benchmarks add to
// their round trips.
func BenchmarkIdempotencyEngine(b *testing.B) {
	d := svc.NewOrdersProtected(orders{}, storeRuntime(b, costless{baldur.NewMemoryStore(baldur.MemoryLimits{})}))
	for _, n := range []int{1, 16} {
		g := "/goroutines=" + strconv.Itoa(n)
		b.Run("key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) { must2(d.Place(requestCtx, run+itoa(i), 100)) })
		})
		b.Run("key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) { must2(d.Place(requestCtx, "stored", 100)) })
		})
	}
}
