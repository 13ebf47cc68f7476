package baldur

import "sync/atomic"

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

// Tally packs two counters in one word, each biased by tallyBias so that a
// decrement landing before its increment never borrows from the other
// field.
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

// settled: the window is full and holds only fast successes. Recording
// another one would replace a success with a success, so skipping it
// leaves the window exactly as it would have been, and the happy path
// writes no shared memory.
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
