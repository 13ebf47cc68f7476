package baldur

import "time"

// Clock is the source of time for breakers, backoff sleeps and timeouts.
// Tests inject a fake one with WithClock (see package baldurtest) instead
// of sleeping.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer whose channel receives once, after d.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine after d.
	AfterFunc(d time.Duration, f func()) Timer
}

// CallClock is a Clock that keeps the timers of a call (a retry's backoff,
// an attempt's timeout, a duplicate's wait) apart from the runtime's own
// (a breaker's open period, window and budget ticks, lease renewal). The
// runtime starts a call's timers on the clock CallClock returns; a test
// clock such as baldurtest.Clock uses that to wait for a call's timers
// alone.
type CallClock interface {
	Clock
	CallClock() Clock
}

// Timer is the part of *time.Timer that the runtime uses.
type Timer interface {
	// C is nil for timers made by AfterFunc.
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the Clock backed by package time. Durations are measured
// with the monotonic reading, so wall-clock jumps do not move deadlines.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

func (SystemClock) AfterFunc(d time.Duration, f func()) Timer {
	return systemTimer{time.AfterFunc(d, f)}
}

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }
