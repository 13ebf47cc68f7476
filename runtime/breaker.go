package baldur

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrIllegalTransition is returned by a manual transition the state
// machine does not allow.
var ErrIllegalTransition = errors.New("baldur: illegal breaker transition")

// CircuitBreaker is a breaker shared by name inside one Runtime. Get one
// with Runtime.Breaker to inspect or force it; policies find theirs by
// the name their annotation gives.
type CircuitBreaker struct {
	name string
	key  string // the breaker_key value of a keyed breaker; "" otherwise
	cfg  BreakerConfig
	rt   *Runtime

	// cur is replaced on every transition. A call keeps the generation it
	// was admitted in, so a result that started in an earlier state lands
	// in a generation nobody reads any more and changes no counter.
	cur atomic.Pointer[generation]

	mu      sync.Mutex // serialises transitions
	timer   Timer      // ends the open period or bounds the half-open one
	stopped bool
	// pending holds transitions not yet delivered, in the order they
	// happened; delivering says a goroutine is handing them out. Whoever
	// makes a transition queues it under mu, and one goroutine at a time
	// delivers the queue without holding mu, so observers see transitions
	// in state order and never run under the breaker's lock.
	pending    []transitionEvent
	delivering bool
}

type transitionEvent struct{ from, to State }

type generation struct {
	state State
	since time.Time // when the breaker entered state
	// closed only: one of the two windows.
	cw *countWindow
	tw *timeWindow
	// half-open only: probe permits left, and probe outcomes so far.
	permits   atomic.Int64
	successes atomic.Int64
	slow      atomic.Int64
	rejectErr error
	// quietReject is rejectErr when the state is open or forced open and
	// no one listens to per-call events, so Do can return it at once.
	quietReject error
}

func newCircuitBreaker(rt *Runtime, name string, cfg BreakerConfig) *CircuitBreaker {
	b := &CircuitBreaker{name: name, cfg: cfg, rt: rt}
	b.mu.Lock()
	b.cur.Store(b.newGenerationLocked(StateClosed))
	b.mu.Unlock()
	return b
}

func (b *CircuitBreaker) newGenerationLocked(s State) *generation {
	g := &generation{state: s, since: b.rt.clock.Now()}
	switch s {
	case StateClosed:
		if b.cfg.Window.v == TimeWindow {
			g.tw = newTimeWindow(b.rt.clock, b.cfg.Span.v, b.cfg.Buckets.v, !b.stopped)
		} else {
			g.cw = newCountWindow(b.cfg.Size.v)
		}
	case StateHalfOpen:
		g.permits.Store(int64(b.cfg.HalfOpenProbes.v))
		g.rejectErr = &BreakerOpenError{Breaker: b.name, State: StateHalfOpen}
	case StateOpen, StateForcedOpen:
		g.rejectErr = &BreakerOpenError{Breaker: b.name, State: s}
		if !b.rt.callEvents {
			g.quietReject = g.rejectErr
		}
	}
	return g
}

// Name is the breaker's name.
func (b *CircuitBreaker) Name() string { return b.name }

// Key is the value of the field a keyed breaker (breaker_key) is kept for,
// or "" for a breaker shared by every call.
func (b *CircuitBreaker) Key() string { return b.key }

// State is the breaker's current state.
func (b *CircuitBreaker) State() State { return b.cur.Load().state }

// Config is the breaker's resolved configuration.
func (b *CircuitBreaker) Config() BreakerConfig { return b.cfg }

// acquire admits a call or returns the rejection error. It reads no clock
// and, unless half-open, writes no shared memory.
func (b *CircuitBreaker) acquire() (*generation, error) {
	g := b.cur.Load()
	switch g.state {
	case StateClosed, StateDisabled:
		return g, nil
	case StateHalfOpen:
		// A compare-and-swap, not an unconditional decrement: rejected
		// calls must not drive the count below zero, or a permit given
		// back later would vanish into the debt.
		for {
			n := g.permits.Load()
			if n <= 0 {
				break
			}
			if g.permits.CompareAndSwap(n, n-1) {
				return g, nil
			}
		}
	}
	return nil, g.rejectErr
}

// release records the outcome of a call admitted in generation g.
// Ignored outcomes (caller cancellation, errors listed in ignore) only
// give back a half-open permit.
func (b *CircuitBreaker) release(g *generation, o outcome, ignored bool) {
	switch g.state {
	case StateClosed:
		if ignored {
			return
		}
		var c windowCounts
		if g.cw != nil {
			if o == outcomeSuccess && g.cw.settled() {
				return
			}
			c = g.cw.record(o)
		} else {
			c = g.tw.record(o)
		}
		if b.trips(c) {
			b.transition(g, StateOpen)
		}
	case StateHalfOpen:
		switch {
		case ignored:
			g.permits.Add(1)
		case o.failed():
			b.transition(g, StateOpen)
		default:
			if o.slow() {
				g.slow.Add(1)
			}
			if g.successes.Add(1) == int64(b.cfg.HalfOpenProbes.v) {
				to := StateClosed
				if b.cfg.SlowCall.v > 0 && rate(g.slow.Load(), int64(b.cfg.HalfOpenProbes.v)) >= b.cfg.SlowCallRate.v {
					to = StateOpen
				}
				b.transition(g, to)
			}
		}
	}
}

func rate(n, of int64) float64 { return float64(n) * 100 / float64(of) }

func (b *CircuitBreaker) trips(c windowCounts) bool {
	if c.calls < int64(b.cfg.MinimumCalls.v) || c.calls == 0 {
		return false
	}
	if c.failures > 0 && rate(c.failures, c.calls) >= b.cfg.FailureRate.v {
		return true
	}
	return b.cfg.SlowCall.v > 0 && c.slow > 0 && rate(c.slow, c.calls) >= b.cfg.SlowCallRate.v
}

// transition moves from generation from to state to, unless another
// transition got there first.
func (b *CircuitBreaker) transition(from *generation, to State) {
	b.mu.Lock()
	if b.cur.Load() != from {
		b.mu.Unlock()
		return
	}
	b.setLocked(to)
	b.mu.Unlock()
	b.deliver()
}

// setLocked starts a generation in state to and queues the transition
// when the state changes. Called with b.mu held.
func (b *CircuitBreaker) setLocked(to State) {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if old := b.cur.Load(); old != nil {
		if old.tw != nil {
			old.tw.stop()
		}
		if old.state != to {
			b.pending = append(b.pending, transitionEvent{old.state, to})
		}
	}
	g := b.newGenerationLocked(to)
	b.cur.Store(g)
	if b.stopped {
		return // the runtime is closed: start no timer that would outlive it
	}
	switch {
	case to == StateOpen:
		// The open period ends on a timer, so rejected calls never read
		// the clock and a wall-clock jump cannot stretch or cut it.
		b.timer = b.rt.clock.AfterFunc(b.cfg.OpenFor.v, func() { b.transition(g, StateHalfOpen) })
	case to == StateHalfOpen && b.cfg.HalfOpenMaxWait.v > 0:
		b.timer = b.rt.clock.AfterFunc(b.cfg.HalfOpenMaxWait.v, func() { b.transition(g, StateOpen) })
	}
}

// deliver hands the queued transitions to the runtime's observer and
// logger, oldest first, unless another goroutine is already doing so: that
// one delivers what was queued behind it too.
func (b *CircuitBreaker) deliver() {
	b.mu.Lock()
	if b.delivering {
		b.mu.Unlock()
		return
	}
	b.delivering = true
	for len(b.pending) > 0 {
		e := b.pending[0]
		b.pending = b.pending[1:]
		b.mu.Unlock()
		b.deliverOne(e)
		b.mu.Lock()
	}
	// Cleared under the same lock that saw the queue empty, so a
	// transition queued from now on finds no one delivering and delivers
	// itself.
	b.delivering = false
	b.mu.Unlock()
}

// deliverOne emits e; when an observer panics, the next transition still
// gets delivered.
func (b *CircuitBreaker) deliverOne(e transitionEvent) {
	ok := false
	defer func() {
		if !ok {
			b.mu.Lock()
			b.delivering = false
			b.mu.Unlock()
		}
	}()
	b.rt.emitTransition(b, e.from, e.to)
	ok = true
}

func (b *CircuitBreaker) stop() {
	b.mu.Lock()
	b.stopped = true
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if g := b.cur.Load(); g.tw != nil {
		g.tw.stop()
	}
	b.mu.Unlock()
}
