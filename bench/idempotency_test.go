package bench

import (
	"context"
	"strconv"
	"sync"
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

// boundedMap is the floor of an in-process idempotency store: a map of
// results under a mutex, capped like the memory store (10,000 entries,
// least recently used out first), with nothing else: no lease, no token,
// no fingerprint of the other arguments, no expiry, no encoding.
type boundedMap struct {
	mu      sync.Mutex
	cap     int
	entries map[string]*bmEntry
	lru     bmEntry // sentinel, newest first
}

type bmEntry struct {
	key        string
	val        int64
	prev, next *bmEntry
}

func newBoundedMap(capacity int) *boundedMap {
	m := &boundedMap{cap: capacity, entries: make(map[string]*bmEntry, capacity)}
	m.lru.prev, m.lru.next = &m.lru, &m.lru
	return m
}

func (m *boundedMap) front(e *bmEntry) {
	if e.next != nil {
		e.prev.next, e.next.prev = e.next, e.prev
	}
	e.prev, e.next = &m.lru, m.lru.next
	e.prev.next, e.next.prev = e, e
}

func (m *boundedMap) load(key string) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if e == nil {
		return 0, false
	}
	m.front(e)
	return e.val, true
}

func (m *boundedMap) store(key string, v int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if e == nil {
		if len(m.entries) >= m.cap {
			e = m.lru.prev
			e.prev.next, e.next.prev = e.next, e.prev
			delete(m.entries, e.key)
		} else {
			e = new(bmEntry)
		}
		e.key, e.next = key, nil
		m.entries[key] = e
	}
	e.val = v
	m.front(e)
}

// BenchmarkIdempotency compares a protected call deduplicated by key on the
// in-memory store with its floor, singleflight.Do plus a bounded map, and
// with singleflight.Do alone, which only merges concurrent calls and keeps
// nothing: unique keys (every call runs and its result is kept), and a
// stored hit (a repeated key answered without running). impl=baldur calls
// with context.Background(); impl=baldur-cancellable with a context that
// can be cancelled, on which the call runs on a goroutine of the runtime
// so that the caller may leave while it runs on for others.
func BenchmarkIdempotency(b *testing.B) {
	const n = 1 << 16
	ids := keys(n)
	var o svc.Orders = orders{}
	b.Run("impl=singleflight/key=unique", func(b *testing.B) {
		var g singleflight.Group
		goroutines(b, 1, func(i int64) {
			id := ids[i%n]
			g.Do(id, func() (any, error) { return o.Place(ctx, id, 100) })
		})
	})
	b.Run("impl=floor/key=unique", func(b *testing.B) {
		var g singleflight.Group
		m := newBoundedMap(10_000)
		goroutines(b, 1, func(i int64) {
			id := ids[i%n]
			if _, ok := m.load(id); ok { // the floor checks, as a store must
				return
			}
			g.Do(id, func() (any, error) {
				v, err := o.Place(ctx, id, 100)
				if err == nil {
					m.store(id, v)
				}
				return v, err
			})
		})
	})
	b.Run("impl=baldur/key=unique", func(b *testing.B) {
		d := svc.NewOrdersProtected(orders{}, newRuntime(b))
		// Unique per iteration: a key seen n iterations ago has long been
		// evicted from the 10,000-record store.
		goroutines(b, 1, func(i int64) { must2(d.Place(ctx, ids[i%n], 100)) })
	})
	b.Run("impl=baldur-cancellable/key=unique", func(b *testing.B) {
		d := svc.NewOrdersProtected(orders{}, newRuntime(b))
		goroutines(b, 1, func(i int64) { must2(d.Place(requestCtx, ids[i%n], 100)) })
	})
	b.Run("impl=floor/key=stored", func(b *testing.B) {
		m := newBoundedMap(10_000)
		m.store("order-1", 100)
		goroutines(b, 1, func(int64) {
			if _, ok := m.load("order-1"); !ok {
				panic("lost")
			}
		})
	})
	b.Run("impl=baldur/key=stored", func(b *testing.B) {
		d := svc.NewOrdersProtected(orders{}, newRuntime(b))
		if _, err := d.Place(ctx, "order-1", 100); err != nil {
			b.Fatal(err)
		}
		goroutines(b, 1, func(int64) { must2(d.Place(ctx, "order-1", 100)) })
	})
	b.Run("impl=baldur-cancellable/key=stored", func(b *testing.B) {
		d := svc.NewOrdersProtected(orders{}, newRuntime(b))
		if _, err := d.Place(requestCtx, "order-1", 100); err != nil {
			b.Fatal(err)
		}
		goroutines(b, 1, func(int64) { must2(d.Place(requestCtx, "order-1", 100)) })
	})
}
