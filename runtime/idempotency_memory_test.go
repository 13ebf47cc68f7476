package baldur_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/storetest"
)

func newMemoryStore() *baldur.MemoryStore { return baldur.NewMemoryStore(baldur.MemoryLimits{}) }

// The memory store's records die with its process, so the suite's
// multi-process tests do not apply (Backend.Attach is nil).
func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(testing.TB) (baldur.IdempotencyStore, string) { return newMemoryStore(), "" },
	})
}

// remoteMemory hides that a MemoryStore is local, so the suite also runs
// the engine's path for stores in other processes (per-operation
// timeouts, lease renewal, copies, crypto/rand tokens) on it.
type remoteMemory struct{ baldur.IdempotencyStore }

func TestMemoryStoreConformanceAsRemote(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(testing.TB) (baldur.IdempotencyStore, string) { return remoteMemory{newMemoryStore()}, "" },
	})
}

// localMemory is a LocalStore that is not a MemoryStore, so the suite also
// runs the engine's local path through the Store methods alone.
type localMemory struct{ baldur.IdempotencyStore }

func (localMemory) Local() bool { return true }

func TestLocalStoreConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(testing.TB) (baldur.IdempotencyStore, string) { return localMemory{newMemoryStore()}, "" },
	})
}

var now = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

func claimDone(t testing.TB, s baldur.IdempotencyStore, key string) {
	ctx := context.Background()
	rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(time.Minute)}
	if _, claimed, err := s.Claim(ctx, key, rec, now); err != nil || !claimed {
		t.Fatalf("Claim(%s) = %v, %v", key, claimed, err)
	}
	rec.State, rec.Expires = baldur.RecordCompleted, now.Add(time.Hour)
	if err := s.Update(ctx, key, rec, now); err != nil {
		t.Fatal(err)
	}
}

// Java Powertools' LRUCacheTest shape: capacity 3, five records, the two
// least recently used are gone.
func TestMemoryStoreEvictsLeastRecentlyUsed(t *testing.T) {
	s := baldur.NewMemoryStore(baldur.MemoryLimits{Records: 3})
	ctx := context.Background()
	for _, k := range []string{"k1", "k2", "k3"} {
		claimDone(t, s, k)
	}
	if _, _, err := s.Get(ctx, "k1"); err != nil { // k1 is now the most recent
		t.Fatal(err)
	}
	claimDone(t, s, "k4")
	claimDone(t, s, "k5")
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3", s.Len())
	}
	for k, want := range map[string]bool{"k1": true, "k2": false, "k3": false, "k4": true, "k5": true} {
		if _, ok, _ := s.Get(ctx, k); ok != want {
			t.Errorf("%s present = %v, want %v", k, ok, want)
		}
	}
}

// In-flight records are never evicted; a full store refuses the claim and
// the engine does not run the call.
func TestMemoryStoreNeverEvictsInFlight(t *testing.T) {
	s := baldur.NewMemoryStore(baldur.MemoryLimits{Records: 3})
	ctx := context.Background()
	for i := range 3 {
		rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Expires: now.Add(time.Minute)}
		if _, claimed, err := s.Claim(ctx, fmt.Sprint("k", i), rec, now); err != nil || !claimed {
			t.Fatal(claimed, err)
		}
	}
	rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Expires: now.Add(time.Minute)}
	if _, _, err := s.Claim(ctx, "k3", rec, now); !errors.Is(err, baldur.ErrStoreFull) {
		t.Fatalf("Claim on a store full of in-flight records = %v, want ErrStoreFull", err)
	}
	p := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(s))
	ran := false
	_, err := baldur.Idempotent(ctx, p, "k", nil, func(context.Context) (struct{}, error) { ran = true; return struct{}{}, nil })
	if !errors.Is(err, baldur.ErrIdempotencyStore) || !errors.Is(err, baldur.ErrStoreFull) || ran {
		t.Fatalf("Idempotent = %v (ran %v), want ErrIdempotencyStore wrapping ErrStoreFull and no run", err, ran)
	}
	// An expired in-flight record is reused in place.
	if _, claimed, err := s.Claim(ctx, "k0", rec, now.Add(time.Hour)); err != nil || !claimed {
		t.Fatalf("Claim over an expired lease = %v, %v", claimed, err)
	}
}

// X5 at a smaller scale than 10 M: 300,000 distinct keys through a store of
// 10,000 records keep the record count at the capacity and the heap flat
// (BenchmarkMemoryStoreDistinctKeys runs as many keys as b.N asks).
func TestMemoryStoreStaysBounded(t *testing.T) {
	n := 300_000
	if testing.Short() {
		n = 50_000
	}
	const capacity = 10_000
	s := baldur.NewMemoryStore(baldur.MemoryLimits{Records: capacity})
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var base uint64
	for i := range n {
		claimDone(t, s, baldur.StoreKeyOf("", "", "p", fmt.Sprint(i)))
		if s.Len() > capacity {
			t.Fatalf("after %d keys the store holds %d records, capacity %d", i+1, s.Len(), capacity)
		}
		if i+1 == n/10 {
			base = heap()
		}
	}
	end := heap()
	runtime.KeepAlive(s)
	t.Logf("heap after %d keys: %d KiB; after %d keys: %d KiB", n/10, base>>10, n, end>>10)
	if end > base+8<<20 {
		t.Fatalf("heap grew from %d KiB to %d KiB: the store is not bounded", base>>10, end>>10)
	}
}

// BenchmarkMemoryStoreDistinctKeys reports the heap held after b.N distinct
// keys went through a default-capacity store.
func BenchmarkMemoryStoreDistinctKeys(b *testing.B) {
	s := newMemoryStore()
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = baldur.StoreKeyOf("", "", "p", fmt.Sprint(i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		claimDone(b, s, fmt.Sprint(keys[i%len(keys)], i))
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(s)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(s.Len()), "records")
}
