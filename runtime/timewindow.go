package baldur

import (
	"sync"
	"sync/atomic"
	"time"
)

// timeWindow counts the outcomes of the calls of the last len(buckets)
// periods of width each. The current period moves on a timer of the
// runtime's clock, not by reading the clock per call: calls pay no clock
// read, and a wall-clock jump cannot move the window because timers run on
// the monotonic clock.
type timeWindow struct {
	clock   Clock
	width   time.Duration
	cur     atomic.Int64 // current period; bucket cur%len holds it
	buckets []atomic.Pointer[timeBucket]

	mu      sync.Mutex
	timer   Timer
	stopped bool
}

type timeBucket struct {
	calls, failures, slow atomic.Int64
}

// newTimeWindow returns a window that slides only when ticking: a
// breaker whose runtime is closed starts no timer that would outlive it.
func newTimeWindow(clock Clock, span time.Duration, buckets int, ticking bool) *timeWindow {
	w := &timeWindow{clock: clock, width: span / time.Duration(buckets), buckets: make([]atomic.Pointer[timeBucket], buckets)}
	for i := range w.buckets {
		w.buckets[i].Store(new(timeBucket))
	}
	w.mu.Lock()
	if ticking {
		w.timer = clock.AfterFunc(w.width, w.tick)
	} else {
		w.stopped = true
	}
	w.mu.Unlock()
	return w
}

// tick starts the next period in a fresh bucket, which replaces the one
// last used len(buckets) periods ago. Replacing rather than zeroing keeps
// each bucket consistent: a call that loaded the old one lands in it
// whole (in the period that is ending), never half in each.
func (w *timeWindow) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	next := w.cur.Load() + 1
	w.buckets[next%int64(len(w.buckets))].Store(new(timeBucket))
	w.cur.Store(next)
	w.timer = w.clock.AfterFunc(w.width, w.tick)
}

// stop ends the ticking once the window's generation is over.
func (w *timeWindow) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	w.mu.Unlock()
}

// record counts the call before its failure or slowness, and counts reads
// them the other way round, so no snapshot has more failures than calls.
func (w *timeWindow) record(o outcome) windowCounts {
	b := w.buckets[w.cur.Load()%int64(len(w.buckets))].Load()
	b.calls.Add(1)
	if o.failed() {
		b.failures.Add(1)
	}
	if o.slow() {
		b.slow.Add(1)
	}
	return w.counts()
}

func (w *timeWindow) counts() windowCounts {
	var c windowCounts
	for i := range w.buckets {
		b := w.buckets[i].Load()
		c.failures += b.failures.Load()
		c.slow += b.slow.Load()
		c.calls += b.calls.Load()
	}
	return c
}
