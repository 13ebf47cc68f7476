package baldur

import "time"

// manual performs an operator transition. Asking for the state the
// breaker is in starts a fresh generation (Close empties the window) but
// is no transition, so it emits nothing.
func (b *CircuitBreaker) manual(to State) {
	b.mu.Lock()
	b.setLocked(to)
	b.mu.Unlock()
	b.deliver()
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
//
// Rejected calls are not counted here: counting them would add a write to
// shared memory to every rejection. An Observer receives one
// EventBreakerRejected per rejected call; count those where needed.
type BreakerMetrics struct {
	State State
	// Since is when the breaker entered State.
	Since time.Time
	// Calls, Failures and SlowCalls are the counts in the closed-state
	// window; FailureRate and SlowCallRate are -1 until MinimumCalls calls
	// are in it.
	Calls, Failures, SlowCalls int64
	FailureRate, SlowCallRate  float64
	// ProbesLeft and ProbeSuccesses describe the half-open state: permits
	// not yet taken, and probes that succeeded.
	ProbesLeft, ProbeSuccesses int64
}

// Metrics returns a snapshot of the breaker.
func (b *CircuitBreaker) Metrics() BreakerMetrics {
	g := b.cur.Load()
	m := BreakerMetrics{State: g.state, Since: g.since, FailureRate: -1, SlowCallRate: -1}
	var c windowCounts
	switch {
	case g.cw != nil:
		c = g.cw.counts()
	case g.tw != nil:
		c = g.tw.counts()
	case g.state == StateHalfOpen:
		m.ProbesLeft, m.ProbeSuccesses = g.permits.Load(), g.successes.Load()
		return m
	default:
		return m
	}
	m.Calls, m.Failures, m.SlowCalls = c.calls, c.failures, c.slow
	if c.calls > 0 && c.calls >= int64(b.cfg.MinimumCalls.v) {
		m.FailureRate = rate(c.failures, c.calls)
		m.SlowCallRate = rate(c.slow, c.calls)
	}
	return m
}
