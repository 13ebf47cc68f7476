package baldur

import (
	"sync/atomic"
	"time"
)

// outcome is one finished call as a breaker window sees it.
type outcome uint32

const (
	outcomeSuccess outcome = 1 << iota
	outcomeFailure
	outcomeSlow
)

func (o outcome) failed() bool { return o&outcomeFailure != 0 }
func (o outcome) slow() bool   { return o&outcomeSlow != 0 }

// windowCounts is a snapshot of a window.
type windowCounts struct {
	calls, failures, slow int64
}

// window is a sliding window of call outcomes.
type window interface {
	// record adds o and returns the counts it now holds.
	record(o outcome) windowCounts
	// settled reports that one more success would change nothing the
	// breaker decides on, so the caller may skip recording it.
	settled() bool
	counts() windowCounts
}

// Tally packs two counters in one word, each biased by tallyBias so that
// concurrent decrements landing before their increments never borrow from
// the neighbouring field.
const (
	tallyBias     = 1 << 30
	tallyFailure  = 1
	tallySlow     = 1 << 32
	tallySettled  = tallyBias | tallyBias<<32
	tallyLowMask  = 1<<32 - 1
	maxWindowSize = 1 << 20
)

// countWindow holds the outcomes of the last size calls in a ring. Writers
// claim a slot with one atomic add and swap their outcome in; the tally
// moves by the difference between the old and the new outcome, so it is
// exact whenever no write is in flight. No lock is taken.
type countWindow struct {
	size  uint64
	seq   atomic.Uint64
	tally atomic.Uint64
	slots []atomic.Uint32
}

func newCountWindow(size int) *countWindow {
	w := &countWindow{size: uint64(size), slots: make([]atomic.Uint32, size)}
	w.tally.Store(tallySettled)
	return w
}

func tallyOf(o outcome) uint64 {
	var t uint64
	if o.failed() {
		t += tallyFailure
	}
	if o.slow() {
		t += tallySlow
	}
	return t
}

func (w *countWindow) record(o outcome) windowCounts {
	i := w.seq.Add(1) - 1
	old := outcome(w.slots[i%w.size].Swap(uint32(o)))
	if add, sub := tallyOf(o), tallyOf(old); add != sub {
		w.tally.Add(add - sub) // wraps to a subtraction when sub > add
	}
	return w.counts()
}

// settled: the window is full and holds only successes. Recording another
// success would replace a success with a success, so skipping it keeps the
// window exactly as it would have been.
func (w *countWindow) settled() bool {
	return w.tally.Load() == tallySettled && w.seq.Load() >= w.size
}

func (w *countWindow) counts() windowCounts {
	t := w.tally.Load()
	return windowCounts{
		calls:    int64(min(w.seq.Load(), w.size)),
		failures: int64(t&tallyLowMask) - tallyBias,
		slow:     int64(t>>32) - tallyBias,
	}
}

// timeWindow counts the outcomes of the last len(buckets) whole periods of
// width each. A bucket is replaced, not reset, when its period comes round
// again, so a writer that lost the race adds to a bucket that has already
// left the window: the call it counts is older than the window too.
type timeWindow struct {
	clock   Clock
	origin  time.Time
	width   time.Duration
	buckets []atomic.Pointer[timeBucket]
}

type timeBucket struct {
	period                int64
	calls, failures, slow atomic.Int64
}

func newTimeWindow(clock Clock, span time.Duration, buckets int) *timeWindow {
	width := max(span/time.Duration(buckets), time.Millisecond)
	w := &timeWindow{clock: clock, origin: clock.Now(), width: width, buckets: make([]atomic.Pointer[timeBucket], buckets)}
	for i := range w.buckets {
		w.buckets[i].Store(&timeBucket{period: -1})
	}
	return w
}

func (w *timeWindow) period() int64 { return int64(w.clock.Now().Sub(w.origin) / w.width) }

func (w *timeWindow) record(o outcome) windowCounts {
	p := w.period()
	slot := &w.buckets[p%int64(len(w.buckets))]
	b := slot.Load()
	for b.period != p {
		if b.period > p { // a writer with a later reading already moved on; ours is stale
			break
		}
		fresh := &timeBucket{period: p}
		if slot.CompareAndSwap(b, fresh) {
			b = fresh
			break
		}
		b = slot.Load()
	}
	b.calls.Add(1)
	if o.failed() {
		b.failures.Add(1)
	}
	if o.slow() {
		b.slow.Add(1)
	}
	return w.countsAt(p)
}

// A time window never settles: every success moves the call count that
// rates are computed over.
func (w *timeWindow) settled() bool { return false }

func (w *timeWindow) counts() windowCounts { return w.countsAt(w.period()) }

func (w *timeWindow) countsAt(p int64) windowCounts {
	var c windowCounts
	oldest := p - int64(len(w.buckets)) + 1
	for i := range w.buckets {
		b := w.buckets[i].Load()
		if b.period < oldest || b.period > p {
			continue
		}
		c.calls += b.calls.Load()
		c.failures += b.failures.Load()
		c.slow += b.slow.Load()
	}
	return c
}
