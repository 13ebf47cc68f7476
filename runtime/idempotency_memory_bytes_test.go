package baldur_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
)

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// The memory store is bounded by bytes as well as by records: 1,500 keys
// with results of about 0.85 MB each keep its heap within its byte bound
// (with room for the garbage of the calls). It used to hold them all,
// 1.27 GB, since 1,500 records were within its record bound.
func TestMemoryStoreIsBoundedByBytes(t *testing.T) {
	const bound = 32 << 20
	s := baldur.NewMemoryStore(baldur.MemoryLimits{MaxBytes: bound})
	p := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(s))
	result := strings.Repeat("r", 850_000)
	base := heapInUse()
	for i := range 1500 {
		if _, err := baldur.Idempotent(context.Background(), p, fmt.Sprint("order-", i), nil, func(context.Context) (string, error) {
			return result, nil
		}); err != nil {
			t.Fatal(err)
		}
		if s.Bytes() > bound {
			t.Fatalf("after %d keys the store holds %d bytes, bound %d", i+1, s.Bytes(), bound)
		}
	}
	grown := int64(heapInUse()) - int64(base)
	runtime.KeepAlive(s)
	t.Logf("heap grew by %d MiB for %d records (%d bytes)", grown>>20, s.Len(), s.Bytes())
	if grown > 2*bound {
		t.Fatalf("heap grew by %d MiB with a store bounded at %d MiB", grown>>20, bound>>20)
	}
	// The newest results are still answered from the store.
	ran := false
	if v, err := baldur.Idempotent(context.Background(), p, "order-1499", nil, func(context.Context) (string, error) { ran = true; return "", nil }); err != nil || ran || v != result {
		t.Fatalf("newest key: ran %v, %v; want the stored result", ran, err)
	}
}

// A result larger than MaxResultBytes is not stored: a later duplicate
// runs again, while duplicates that joined the running call still share
// its result.
func TestMemoryStoreDoesNotKeepResultsAboveTheLimit(t *testing.T) {
	s := baldur.NewMemoryStore(baldur.MemoryLimits{MaxResultBytes: 1 << 10})
	var joined atomic.Int64
	p := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(s), baldur.WithObserver(func(ev baldur.Event) {
		if ev.Kind == baldur.EventDuplicate {
			joined.Add(1)
		}
	}))
	big, small := strings.Repeat("b", 2<<10), "s"
	gate := make(chan struct{})
	runs := 0
	run := func(r string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { runs++; <-gate; return r, nil }
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if v, err := baldur.Idempotent(context.Background(), p, "big", nil, run(big)); err != nil || v != big {
				t.Errorf("in flight: %d bytes, %v", len(v), err)
			}
		})
	}
	testenv.Eventually(t, "three callers join the first", func() bool { return joined.Load() == 3 })
	close(gate)
	wg.Wait()
	if runs != 1 {
		t.Fatalf("%d runs for 4 concurrent callers, want 1", runs)
	}
	if _, err := baldur.Idempotent(context.Background(), p, "big", nil, run(big)); err != nil || runs != 2 {
		t.Fatalf("later duplicate of a result above the limit: %v after %d runs, want a second run", err, runs)
	}
	for range 2 {
		if _, err := baldur.Idempotent(context.Background(), p, "small", nil, run(small)); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 3 {
		t.Fatalf("a small result ran %d times, want once", runs-2)
	}
}
