package baldur

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// WindowKind selects how a breaker's sliding window is measured.
type WindowKind int

const (
	// CountWindow keeps the outcomes of the last Size calls.
	CountWindow WindowKind = iota
	// TimeWindow keeps the outcomes of the calls of the last Span.
	TimeWindow
)

// BreakerConfig is a breaker's resolved configuration.
type BreakerConfig struct {
	Window WindowKind
	// Size is the number of calls a CountWindow holds.
	Size int
	// Span is the period a TimeWindow covers, in Buckets slices.
	Span    time.Duration
	Buckets int
	// MinimumCalls must be in the window before any rate is computed.
	MinimumCalls int
	// FailureRate and SlowCallRate are thresholds in percent (1..100); a
	// rate at or above its threshold opens the breaker.
	FailureRate  float64
	SlowCallRate float64
	// SlowCall is the duration from which a call counts as slow; zero
	// disables slow-call accounting and its clock reads.
	SlowCall time.Duration
	// OpenFor is how long the breaker stays open before probing.
	OpenFor time.Duration
	// HalfOpenProbes is the number of calls admitted while half-open; that
	// many successes close the breaker, any failure opens it again.
	HalfOpenProbes int
}

// ErrIllegalTransition is returned by a manual transition the state
// machine does not allow.
var ErrIllegalTransition = errors.New("baldur: illegal breaker transition")

// CircuitBreaker is a breaker shared by name inside one Runtime. Get one
// with Runtime.Breaker to inspect or force it; policies find theirs by
// the name their annotation gives.
type CircuitBreaker struct {
	name string
	cfg  BreakerConfig
	rt   *Runtime

	// cur is replaced on every transition. A call keeps the generation it
	// was admitted in, so a result that started in an earlier state lands
	// in a window nobody reads any more and changes no counter.
	cur atomic.Pointer[generation]

	mu    sync.Mutex // serialises transitions
	timer Timer

	rejected atomic.Uint64
}

type generation struct {
	state  State
	window window // closed only
	// half-open only: probe permits left, and probe outcomes so far.
	permits   atomic.Int64
	successes atomic.Int64
	slow      atomic.Int64
	rejectErr error
}

func newCircuitBreaker(rt *Runtime, name string, cfg BreakerConfig) *CircuitBreaker {
	b := &CircuitBreaker{name: name, cfg: cfg, rt: rt}
	b.cur.Store(b.newGeneration(StateClosed))
	return b
}

func (b *CircuitBreaker) newGeneration(s State) *generation {
	g := &generation{state: s}
	switch s {
	case StateClosed:
		if b.cfg.Window == TimeWindow {
			g.window = newTimeWindow(b.rt.clock, b.cfg.Span, b.cfg.Buckets)
		} else {
			g.window = newCountWindow(b.cfg.Size)
		}
	case StateHalfOpen:
		g.permits.Store(int64(b.cfg.HalfOpenProbes))
		g.rejectErr = &BreakerOpenError{Breaker: b.name, State: StateHalfOpen}
	default:
		g.rejectErr = &BreakerOpenError{Breaker: b.name, State: s}
	}
	return g
}

// Name is the breaker's name.
func (b *CircuitBreaker) Name() string { return b.name }

// State is the breaker's current state.
func (b *CircuitBreaker) State() State { return b.cur.Load().state }

// acquire admits a call or returns the rejection error. It reads no clock.
func (b *CircuitBreaker) acquire() (*generation, error) {
	g := b.cur.Load()
	switch g.state {
	case StateClosed, StateDisabled:
		return g, nil
	case StateHalfOpen:
		if g.permits.Add(-1) >= 0 {
			return g, nil
		}
	}
	b.rejected.Add(1)
	return nil, g.rejectErr
}

// release records the outcome of a call admitted in generation g.
// ignored outcomes (caller cancellation, errors listed in ignore) only
// give back a half-open permit.
func (b *CircuitBreaker) release(g *generation, o outcome, ignored bool) {
	switch g.state {
	case StateClosed:
		if ignored || (o == outcomeSuccess && g.window.settled()) {
			return
		}
		c := g.window.record(o)
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
			if g.successes.Add(1) == int64(b.cfg.HalfOpenProbes) {
				to := StateClosed
				if b.cfg.SlowCall > 0 && rate(g.slow.Load(), int64(b.cfg.HalfOpenProbes)) >= b.cfg.SlowCallRate {
					to = StateOpen
				}
				b.transition(g, to)
			}
		}
	}
}

func rate(n, of int64) float64 { return float64(n) * 100 / float64(of) }

func (b *CircuitBreaker) trips(c windowCounts) bool {
	if c.calls < int64(b.cfg.MinimumCalls) || c.calls == 0 {
		return false
	}
	if c.failures > 0 && rate(c.failures, c.calls) >= b.cfg.FailureRate {
		return true
	}
	return b.cfg.SlowCall > 0 && c.slow > 0 && rate(c.slow, c.calls) >= b.cfg.SlowCallRate
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
	b.rt.emit(context.Background(), Event{Kind: EventBreakerTransition, Breaker: b.name, From: from.state, To: to})
}

func (b *CircuitBreaker) setLocked(to State) {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	g := b.newGeneration(to)
	b.cur.Store(g)
	if to == StateOpen {
		// The open period ends on a timer, so rejected calls never read
		// the clock.
		b.timer = b.rt.clock.AfterFunc(b.cfg.OpenFor, func() { b.transition(g, StateHalfOpen) })
	}
}

// manual performs an operator transition.
func (b *CircuitBreaker) manual(to State) {
	b.mu.Lock()
	from := b.cur.Load().state
	b.setLocked(to)
	b.mu.Unlock()
	b.rt.emit(context.Background(), Event{Kind: EventBreakerTransition, Breaker: b.name, From: from, To: to})
}

// ForceOpen rejects every call until Close or Disable.
func (b *CircuitBreaker) ForceOpen() { b.manual(StateForcedOpen) }

// Close closes the breaker with an empty window, from any state.
func (b *CircuitBreaker) Close() { b.manual(StateClosed) }

// Disable lets every call through and records nothing until Close.
func (b *CircuitBreaker) Disable() { b.manual(StateDisabled) }

// Transition moves the breaker to state to by hand. Only the operator
// transitions are legal: to closed, forced-open or disabled from any state.
// Open and half-open are reached only through the calls' outcomes; asking
// for them returns ErrIllegalTransition and changes nothing.
func (b *CircuitBreaker) Transition(to State) error {
	switch to {
	case StateClosed, StateForcedOpen, StateDisabled:
		b.manual(to)
		return nil
	}
	return ErrIllegalTransition
}

// BreakerMetrics is a snapshot of a breaker.
type BreakerMetrics struct {
	State State
	// Calls, Failures and SlowCalls are the counts in the closed-state
	// window; FailureRate and SlowCallRate are -1 until MinimumCalls calls
	// are in it.
	Calls, Failures, SlowCalls int64
	FailureRate, SlowCallRate  float64
	// Rejected counts calls refused since the breaker was built.
	Rejected uint64
}

// Metrics returns a snapshot of the breaker.
func (b *CircuitBreaker) Metrics() BreakerMetrics {
	g := b.cur.Load()
	m := BreakerMetrics{State: g.state, FailureRate: -1, SlowCallRate: -1, Rejected: b.rejected.Load()}
	if g.window == nil {
		return m
	}
	c := g.window.counts()
	m.Calls, m.Failures, m.SlowCalls = c.calls, c.failures, c.slow
	if c.calls > 0 && c.calls >= int64(b.cfg.MinimumCalls) {
		m.FailureRate = rate(c.failures, c.calls)
		m.SlowCallRate = rate(c.slow, c.calls)
	}
	return m
}

func (b *CircuitBreaker) stop() {
	b.mu.Lock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.mu.Unlock()
}
