package baldur

import (
	"sync"
	"testing"
)

func TestCountWindowKeepsTheLastSizeOutcomes(t *testing.T) {
	w := newCountWindow(3)
	for _, tc := range []struct {
		o                     outcome
		calls, failures, slow int64
		settled               bool
	}{
		{outcomeFailure, 1, 1, 0, false},
		{outcomeSuccess | outcomeSlow, 2, 1, 1, false},
		{outcomeSuccess, 3, 1, 1, false},
		{outcomeSuccess, 3, 0, 1, false}, // the failure slid out
		{outcomeSuccess, 3, 0, 0, true},  // the slow call slid out: all fast successes
	} {
		c := w.record(tc.o)
		if c.calls != tc.calls || c.failures != tc.failures || c.slow != tc.slow {
			t.Fatalf("after %v: %+v, want %+v", tc.o, c, tc)
		}
		if w.settled() != tc.settled {
			t.Fatalf("after %v: settled %v", tc.o, w.settled())
		}
	}
}

// Writers racing on the same slots keep the tally exact once they are done.
func TestCountWindowTallyIsExactAfterConcurrentWrites(t *testing.T) {
	w := newCountWindow(64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10000 {
				o := outcomeSuccess
				if (g+i)%3 == 0 {
					o = outcomeFailure | outcomeSlow
				}
				w.record(o)
			}
		})
	}
	wg.Wait()
	var f, s int64
	for i := range w.slots {
		o := outcome(w.slots[i].Load())
		if o.failed() {
			f++
		}
		if o.slow() {
			s++
		}
	}
	if c := w.counts(); c.calls != 64 || c.failures != f || c.slow != s {
		t.Fatalf("tally %+v, slots hold %d failures and %d slow", c, f, s)
	}
}
