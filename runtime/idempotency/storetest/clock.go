package storetest

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/baldur-go/baldur/runtime/idempotency"
)

// Clock is an idempotency.Clock that moves only when Advance is called, so
// leases and expiry are tested without sleeping.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced whenever timers change
}

// NewClock returns a fake clock reading start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

var _ idempotency.Clock = (*Clock)(nil)

type fakeTimer struct {
	c        *Clock
	deadline time.Time
	ch       chan time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock reaches now+d.
func (c *Clock) NewTimer(d time.Duration) idempotency.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, deadline: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	c.notifyLocked()
	return t
}

func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
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
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].deadline.Before(c.timers[j].deadline) })
	n := 0
	for _, t := range c.timers {
		if t.deadline.After(c.now) {
			c.timers[n] = t
			n++
			continue
		}
		t.ch <- c.now // buffered, fires once
	}
	clear(c.timers[n:])
	c.timers = c.timers[:n]
	c.notifyLocked()
}

// Timers is the number of timers waiting to fire.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// shifted is the real clock moved to read at when it is created: racers
// that must start past a fake lease then poll in real time, and no test
// step moves time under a call that is still running.
type shifted struct {
	idempotency.SystemClock
	offset time.Duration
}

func shiftedTo(at time.Time) shifted { return shifted{offset: time.Until(at)} }

func (s shifted) Now() time.Time { return time.Now().Add(s.offset) }

// quiet waits until no timer is left, so that callers that gave up have
// stopped polling before a test counts timers again.
func (c *Clock) quiet(t testing.TB) {
	t.Helper()
	eventually(t, "abandoned waits stop", func() bool { return c.Timers() == 0 })
}

// WaitForTimers blocks until at least n timers wait, which is how a test
// knows the code under test has gone to sleep on this clock.
func (c *Clock) WaitForTimers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		count, changed := len(c.timers), c.changed
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
