package baldur

import (
	"context"
	"sync/atomic"
	"time"
)

// Spec is what an annotation says about one method. Generated constructors
// pass it to Runtime.Policy; hand-written code may too.
type Spec struct {
	// Name is the policy name that configuration and events use.
	Name string
	// Method is the protected method, as importpath.Interface.Method; one
	// policy name serves one method.
	Method string
	// Retry turns retry on. Attempts, when positive, is how many calls
	// it makes in all, the first one included; zero uses the configured
	// count.
	Retry    bool
	Attempts int
	// Breaker names the circuit breaker; policies naming the same breaker
	// share it. Empty means no breaker.
	Breaker string
	// Timeout bounds each attempt; zero means none.
	Timeout time.Duration
	// RetryOn, when not empty, limits retries to errors matching one of
	// these with errors.Is. AbortOn errors are never retried. Ignore errors
	// are business outcomes: not counted by the breaker, not retried, not
	// handed to the fallback.
	RetryOn, AbortOn, Ignore []error
	// Dedupe: calls carry an idempotency key, and a repeated key runs the
	// method once (see Idempotent). DedupeTTL, when positive, is how long a
	// result answers duplicates.
	Dedupe    bool
	DedupeTTL time.Duration
	// DeadLetter, when set, captures calls that fail for good for replay
	// (see Policy.Capture and Runtime.Replay).
	DeadLetter *DeadLetterSpec
}

// Policy runs one protected method: retry, then the circuit breaker, then
// the per-attempt timeout, then the inner call. It is built once per
// decorator and safe for concurrent use.
type Policy struct {
	rt      *Runtime
	name    string
	method  string
	cfg     PolicyConfig      // resolved: every setting set
	from    map[string]string // the level each setting came from
	breaker *CircuitBreaker
	budget  *retryBudget // nil without retry or with the budget off
	timeout time.Duration
	retry   RetryConfig
	// lean: a breaker, no timeout, no slow-call clock; a closed breaker
	// then needs nothing but its window.
	lean bool
	// gate is the breaker's current generation or, without a breaker, the
	// runtime's never-rejecting one, so that Do's first load needs no nil
	// check.
	gate *atomic.Pointer[generation]

	retryOn, abortOn, ignore []error
	meshOwnsNetwork          bool
	leafSafe                 bool // see retryable

	idem    *idemEngine // nil without an idempotency key
	idemTTL time.Duration

	dl *DeadLetterSpec // nil without dlq
}

// Name is the policy name.
func (p *Policy) Name() string { return p.name }

// Breaker is the policy's circuit breaker, or nil.
func (p *Policy) Breaker() *CircuitBreaker { return p.breaker }

// Retry is the policy's resolved retry configuration.
func (p *Policy) Retry() RetryConfig { return p.retry }

// Config is the policy's configuration with every level applied: each
// setting is set.
func (p *Policy) Config() PolicyConfig { return p.cfg }

// Source names the level the setting at key (a path such as
// "retry.attempts") came from: FromDefault, FromMesh, FromDefaults,
// FromAnnotation or "policies.<name>"; "" for a key the policy does not
// have.
func (p *Policy) Source(key string) string { return p.from[key] }

// Timeout is the policy's resolved per-attempt timeout; zero means none.
func (p *Policy) Timeout() time.Duration { return p.timeout }

// Do calls fn under the policy. fn receives the attempt's context and
// returns the inner method's error; results travel through variables fn
// closes over, which keeps the call free of allocations.
//
// The two common cases take one call frame: an open breaker rejects the
// call at once, and a closed breaker whose window holds only successes
// costs loads of shared memory, no writes, no clock.
func (p *Policy) Do(ctx context.Context, fn func(context.Context) error) (err error) {
	g := p.gate.Load()
	if g.quietReject != nil {
		return g.quietReject
	}
	if !p.lean || g.cw == nil {
		return p.doFull(ctx, fn)
	}
	b := p.breaker
	done := false
	defer b.panicked(g, &done)
	err = fn(ctx)
	done = true
	if err != nil || !g.cw.settled() {
		b.release(g, outcomeOf(err), err != nil && p.ignoredByBreaker(ctx, err))
	}
	if err != nil {
		return p.retryAfter(ctx, fn, err)
	}
	if p.budget != nil && p.budget.active.Load() {
		p.budget.deposit()
	}
	return nil
}

// doFull is Do for every other case: no breaker, a breaker that is not
// closed, a timeout, or slow-call accounting.
func (p *Policy) doFull(ctx context.Context, fn func(context.Context) error) error {
	if err := p.attempt(ctx, fn); err != nil {
		return p.retryAfter(ctx, fn, err)
	}
	if p.budget != nil && p.budget.active.Load() {
		p.budget.deposit()
	}
	return nil
}

func (p *Policy) rejected(ctx context.Context, err error) {
	p.rt.emit(ctx, Event{Kind: EventBreakerRejected, Policy: p.name, Method: p.method, Breaker: p.breaker.name, Err: err})
}

func outcomeOf(err error) outcome {
	if err != nil {
		return outcomeFailure
	}
	return outcomeSuccess
}

// panicked counts a call that panicked as a failure; the panic goes on.
func (b *CircuitBreaker) panicked(g *generation, done *bool) {
	if !*done {
		b.release(g, outcomeFailure, false)
	}
}

// attempt makes one call through the breaker and the timeout.
func (p *Policy) attempt(ctx context.Context, fn func(context.Context) error) error {
	b := p.breaker
	if b == nil {
		return p.call(ctx, fn)
	}
	g, err := b.acquire()
	if err != nil {
		if p.rt.callEvents {
			p.rejected(ctx, err)
		}
		return err
	}
	if g.state == StateDisabled {
		return p.call(ctx, fn)
	}
	var start time.Time
	if b.cfg.SlowCall.v > 0 {
		start = p.rt.clock.Now()
	}
	done := false
	defer b.panicked(g, &done)
	err = p.call(ctx, fn)
	done = true

	o := outcomeOf(err)
	if b.cfg.SlowCall.v > 0 && p.rt.clock.Now().Sub(start) >= b.cfg.SlowCall.v {
		o |= outcomeSlow
	}
	b.release(g, o, err != nil && p.ignoredByBreaker(ctx, err))
	return err
}

func deadlinePassed(ctx context.Context, c Clock) bool {
	d, ok := ctx.Deadline()
	return ok && !c.Now().Before(d)
}

// call runs fn under the per-attempt timeout.
func (p *Policy) call(ctx context.Context, fn func(context.Context) error) error {
	if p.timeout <= 0 {
		return fn(ctx)
	}
	actx, cancel := p.rt.withTimeout(ctx, p.timeout)
	err := fn(actx)
	// Read before cancel: once cancelled, actx.Err() is set whatever
	// happened. The deadline having passed decides, not which timer
	// noticed first: a socket deadline set from actx fires as an i/o
	// timeout that can beat the context's own timer.
	expired := err != nil && (actx.Err() != nil || deadlinePassed(actx, p.rt.calls))
	cancel()
	if expired && ctx.Err() == nil {
		err = &TimeoutError{Policy: p.name, Timeout: p.timeout, Err: err}
		if p.rt.callEvents {
			p.rt.emit(ctx, Event{Kind: EventTimeout, Policy: p.name, Method: p.method, Err: err})
		}
	}
	return err
}

// ShouldFallback reports whether the final error err of a call should be
// handed to the method's fallback, and records an event when it should. Ignored errors are
// the caller's business and go back unchanged; so does everything once the
// caller has cancelled, since no one is waiting for the answer.
func (p *Policy) ShouldFallback(ctx context.Context, err error) bool {
	if !p.finalFailure(ctx, err) || methodRan(err) {
		return false
	}
	if p.rt.callEvents {
		p.rt.emit(ctx, Event{Kind: EventFallback, Policy: p.name, Method: p.method, Err: err})
	}
	return true
}
