package idempotency

import (
	"context"
	"time"
)

// Clock is where the engine reads time and waits. Its method set is a
// subset of the runtime's baldur.Clock, so the runtime can pass its clock in
// directly once baldur.Timer is an alias of Timer, or through ClockOf.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer whose channel receives once, after d.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the engine uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the Clock backed by package time.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// ClockOf adapts any clock whose NewTimer returns its own Timer-shaped
// interface type, such as baldur.Clock, without importing it:
//
//	cfg.Clock = idempotency.ClockOf(rt.Clock())
func ClockOf[T Timer](c interface {
	Now() time.Time
	NewTimer(d time.Duration) T
}) Clock {
	// Reachable when T is Timer itself: a Clock is not wrapped again.
	//lint:ignore SA5010 the dynamic type may implement both interfaces
	if cc, ok := c.(Clock); ok {
		return cc
	}
	return clockOf[T]{c}
}

type clockOf[T Timer] struct {
	c interface {
		Now() time.Time
		NewTimer(d time.Duration) T
	}
}

func (a clockOf[T]) Now() time.Time                 { return a.c.Now() }
func (a clockOf[T]) NewTimer(d time.Duration) Timer { return a.c.NewTimer(d) }

// sleep waits d on c, or until ctx ends.
func sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
