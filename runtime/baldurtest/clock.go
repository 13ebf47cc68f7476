// Package baldurtest helps test code protected by baldur: a fake clock that
// moves only when told, and a runtime that lives as long as one test.
package baldurtest

import (
	"context"
	"sort"
	"sync"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Clock is a baldur.Clock that moves only when Advance is called. Timers
// whose time has come fire inside Advance, in deadline order; AfterFunc
// callbacks run synchronously there, so when Advance returns every
// transition they cause has happened.
//
// Timers live on the clock's monotonic axis. JumpWall changes only what Now
// reads, the way an NTP step moves the wall clock, so tests can show that
// nothing baldur times depends on the wall reading.
type Clock struct {
	mu      sync.Mutex
	now     time.Time // monotonic position: timers fire against it
	wall    time.Duration
	timers  []*timer
	seq     int
	changed chan struct{} // closed and replaced whenever timers change
}

// NewClock returns a fake clock reading start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

var _ baldur.CallClock = (*Clock)(nil)

type timer struct {
	c        *Clock
	deadline time.Time
	ch       chan time.Time
	fn       func()
	seq      int
	call     bool // started by a call (see CallClock), not by the runtime itself
}

// Now returns the fake time, moved by every JumpWall so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now.Add(c.wall)
}

// JumpWall moves the wall reading of Now by d, forward or back, without
// moving time for the timers and without firing any.
func (c *Clock) JumpWall(d time.Duration) {
	c.mu.Lock()
	c.wall += d
	c.mu.Unlock()
}

// NewTimer returns a timer that fires when the clock reaches now+d. A
// timer of d <= 0 fires before NewTimer returns.
func (c *Clock) NewTimer(d time.Duration) baldur.Timer {
	return c.add(d, make(chan time.Time, 1), nil, false)
}

// AfterFunc calls f when the clock reaches now+d; with d <= 0, before
// AfterFunc returns, so the caller must not hold a lock f takes.
func (c *Clock) AfterFunc(d time.Duration, f func()) baldur.Timer {
	return c.add(d, nil, f, false)
}

// CallClock is the same clock, for the timers of calls: a retry's
// backoff, an attempt's timeout, a duplicate's wait. The runtime starts
// those on it, and WaitForCallTimers counts them alone.
func (c *Clock) CallClock() baldur.Clock { return callClock{c} }

type callClock struct{ c *Clock }

func (cc callClock) Now() time.Time { return cc.c.Now() }
func (cc callClock) NewTimer(d time.Duration) baldur.Timer {
	return cc.c.add(d, make(chan time.Time, 1), nil, true)
}
func (cc callClock) AfterFunc(d time.Duration, f func()) baldur.Timer {
	return cc.c.add(d, nil, f, true)
}

func (c *Clock) add(d time.Duration, ch chan time.Time, fn func(), call bool) *timer {
	c.mu.Lock()
	c.seq++
	t := &timer{c: c, deadline: c.now.Add(d), ch: ch, fn: fn, seq: c.seq, call: call}
	c.timers = append(c.timers, t)
	c.notifyLocked()
	c.mu.Unlock()
	if d <= 0 {
		c.Advance(0)
	}
	return t
}

func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			c.notifyLocked()
			return true
		}
	}
	return false
}

// Advance moves the clock forward by d and fires every timer due by then.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	for {
		sort.SliceStable(c.timers, func(i, j int) bool {
			if !c.timers[i].deadline.Equal(c.timers[j].deadline) {
				return c.timers[i].deadline.Before(c.timers[j].deadline)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		if len(c.timers) == 0 || c.timers[0].deadline.After(target) {
			break
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		if t.deadline.After(c.now) {
			c.now = t.deadline
		}
		c.notifyLocked()
		now := c.now.Add(c.wall)
		c.mu.Unlock()
		if t.fn != nil {
			t.fn()
		} else {
			t.ch <- now
		}
		c.mu.Lock()
	}
	if target.After(c.now) {
		c.now = target
	}
	c.mu.Unlock()
}

// Timers is the number of timers waiting to fire.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// CallTimers is the number of calls' timers waiting to fire (see
// CallClock).
func (c *Clock) CallTimers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.callTimersLocked()
}

func (c *Clock) callTimersLocked() int {
	n := 0
	for _, t := range c.timers {
		if t.call {
			n++
		}
	}
	return n
}

// WaitForCallTimers blocks until at least n timers of calls are waiting:
// a retry sleeping in its backoff, an attempt under a timeout, a duplicate
// waiting for the first call. The runtime's own timers (a breaker's open
// period, its window's ticks, a retry budget's) do not count, so the loop
//
//	for call is running {
//		clock.WaitForCallTimers(ctx, 1)
//		clock.Advance(backoff)
//	}
//
// moves time only while the call waits on it.
func (c *Clock) WaitForCallTimers(ctx context.Context, n int) error {
	return c.waitFor(ctx, n, (*Clock).callTimersLocked)
}

// WaitForTimers blocks until at least n timers are waiting, the runtime's
// own included; WaitForCallTimers is usually what a test means.
func (c *Clock) WaitForTimers(ctx context.Context, n int) error {
	return c.waitFor(ctx, n, func(c *Clock) int { return len(c.timers) })
}

func (c *Clock) waitFor(ctx context.Context, n int, count func(*Clock) int) error {
	for {
		c.mu.Lock()
		count, changed := count(c), c.changed
		c.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
