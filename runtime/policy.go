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
	// Classify decides what a failed attempt means before ignore, abort_on
	// and retry_on do (see Decision); DecideDefault leaves it to them. It
	// sees the attempt's PolicyContext.
	Classify func(PolicyContext, error) Decision
	// JudgesResults: the decorator calls a classifier that reads the
	// method's results on every attempt (see Policy.Judge), so the
	// PolicyContext is gathered for every call.
	JudgesResults bool
	// Fields are the names of the PolicyContext fields the method's calls
	// carry; an override's when may name only these.
	Fields []string
	// BreakerKey, with Breaker, keeps one breaker per value of that field
	// under the breaker's name: one tenant's or host's failures do not open
	// the others' circuit.
	BreakerKey string
}

// Policy runs one protected method: retry, then the circuit breaker, then
// the per-attempt timeout, then the inner call. It is built once per
// decorator and safe for concurrent use.
type Policy struct {
	rt      *Runtime
	name    string
	method  string
	spec    Spec
	cfg     PolicyConfig      // resolved: every setting set
	from    map[string]string // the level each setting came from
	breaker *CircuitBreaker
	budget  *retryBudget // nil without retry or with the budget off
	// base is what an override may change, as the policy resolves it:
	// its per-attempt timeout and its retry.
	base variant
	// lean: a breaker (keyed or not), no timeout, no slow-call clock; a closed breaker
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

	classify  func(PolicyContext, error) Decision
	variants  []variant     // overrides, first match wins; nil without
	keyed     *keyedBreaker // per-key breakers; nil without breaker_key
	breakerBy string        // the field keyed breakers are chosen by
	// needsFields: something reads a call's fields (an observer, the
	// interceptor, an override, a keyed breaker, a classifier, a dead
	// letter), so the decorator gathers them.
	needsFields bool
}

// Name is the policy name.
func (p *Policy) Name() string { return p.name }

// Method is the protected method, as its Spec names it.
func (p *Policy) Method() string { return p.method }

// BreakerName is the name of the policy's breaker, keyed or not; "" for
// none.
func (p *Policy) BreakerName() string {
	switch {
	case p.breaker != nil:
		return p.breaker.name
	case p.keyed != nil:
		return p.keyed.name
	}
	return ""
}

// Breaker is the policy's circuit breaker, or nil.
func (p *Policy) Breaker() *CircuitBreaker { return p.breaker }

// Retry is the policy's resolved retry configuration.
func (p *Policy) Retry() RetryConfig { return p.base.retry }

// Explain is the policy's configuration with the level each setting came
// from, and its breaker's and overrides'.
func (p *Policy) Explain() Explanation { return p.rt.config.Explain(p.spec) }

// Config is the policy's configuration with every level applied: each
// setting is set.
func (p *Policy) Config() PolicyConfig { return p.cfg }

// Source names the level the setting at key (a path such as
// "retry.attempts") came from: FromDefault, FromMesh, FromDefaults,
// FromAnnotation or "policies.<name>"; "" for a key the policy does not
// have.
func (p *Policy) Source(key string) string { return p.from[key] }

// Timeout is the policy's resolved per-attempt timeout; zero means none.
func (p *Policy) Timeout() time.Duration { return p.base.timeout }

// Call returns the PolicyContext of one call of the policy, with the
// call's fields. Generated decorators gather the fields only when
// NeedsFields says something will read them.
func (p *Policy) Call(fields ...Field) PolicyContext {
	return PolicyContext{p: p, fields: fields}
}

// WithFields returns c with the call's fields: a decorator gathers them
// for Capture on a call that failed, when NeedsFields had said nothing
// would read them while it ran.
func (c PolicyContext) WithFields(fields ...Field) PolicyContext {
	c.fields = fields
	return c
}

// NeedsFields reports whether anything reads the fields of the policy's
// calls while they run: an observer or the logger at Debug, an
// interceptor, an override, a keyed breaker, a classifier. When nothing
// does, a call gathers none and pays nothing for them. (A dead letter
// keeps them too: a decorator gathers them for Capture, once the call has
// failed, with WithFields.)
func (p *Policy) NeedsFields() bool { return p.needsFields }

// Do calls fn under the policy. pc is the call's PolicyContext (nil for
// none); Do sets its attempt before each one. fn receives the attempt's
// context and returns the inner method's error; results travel through
// variables fn closes over, which keeps the call free of allocations.
//
// The two common cases take one call frame: an open breaker rejects the
// call at once, and a closed breaker whose window holds only successes
// costs loads of shared memory, no writes, no clock.
func (p *Policy) Do(ctx context.Context, pc *PolicyContext, fn func(context.Context) error) (err error) {
	b, g := p.breaker, p.gate.Load()
	if p.keyed != nil && pc != nil {
		b = p.keyed.get(pc, p.breakerBy)
		g = b.cur.Load()
	}
	if g.quietReject != nil {
		return g.quietReject
	}
	v := &p.base
	if p.variants != nil && pc != nil {
		v = p.variant(pc)
	}
	if !p.lean || g.cw == nil {
		return p.doFull(ctx, pc, b, v, fn)
	}
	if pc != nil {
		pc.attempt = 1
	}
	done := false
	defer b.panicked(g, &done)
	err = fn(ctx)
	done = true
	if err != nil || !g.cw.settled() {
		b.release(g, outcomeOf(err), err != nil && p.ignoredByBreaker(ctx, pc, err))
	}
	if err != nil {
		return p.retryAfter(ctx, pc, b, v, fn, err)
	}
	if p.budget != nil && p.budget.active.Load() {
		p.budget.deposit()
	}
	return nil
}

// doFull is Do for every other case: no breaker, a breaker that is not
// closed, a timeout, or slow-call accounting; b is the call's breaker (its
// key's, for a keyed one) and v its variant (an override's, or the
// policy's own).
func (p *Policy) doFull(ctx context.Context, pc *PolicyContext, b *CircuitBreaker, v *variant, fn func(context.Context) error) error {
	if pc != nil {
		pc.attempt = 1
	}
	if err := p.attempt(ctx, pc, b, v, fn); err != nil {
		return p.retryAfter(ctx, pc, b, v, fn, err)
	}
	if p.budget != nil && p.budget.active.Load() {
		p.budget.deposit()
	}
	return nil
}

func (p *Policy) rejected(ctx context.Context, pc *PolicyContext, b *CircuitBreaker, err error) {
	p.rt.emit(ctx, p.event(ctx, EventBreakerRejected, pc, Event{Breaker: b.name, BreakerKey: b.key, Err: err}))
}

// event fills in what every per-call event carries: the policy, and a
// copy of the call's context that an observer may keep.
func (p *Policy) event(ctx context.Context, kind EventKind, pc *PolicyContext, e Event) Event {
	e.Kind, e.Policy, e.Method = kind, p.name, p.method
	if pc != nil {
		e.Context = pc.detached(p, ctx)
		if e.Attempt == 0 {
			e.Attempt = pc.attempt
		}
	} else {
		e.Context = PolicyContext{p: p, attempt: e.Attempt}
	}
	return e
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

// attempt makes one call through the breaker b and the timeout of v.
func (p *Policy) attempt(ctx context.Context, pc *PolicyContext, b *CircuitBreaker, v *variant, fn func(context.Context) error) error {
	if b == nil {
		return p.call(ctx, pc, v, fn)
	}
	g, err := b.acquire()
	if err != nil {
		if p.rt.callEvents {
			p.rejected(ctx, pc, b, err)
		}
		return err
	}
	if g.state == StateDisabled {
		return p.call(ctx, pc, v, fn)
	}
	var start time.Time
	if b.cfg.SlowCall.v > 0 {
		start = p.rt.clock.Now()
	}
	done := false
	defer b.panicked(g, &done)
	err = p.call(ctx, pc, v, fn)
	done = true

	o := outcomeOf(err)
	if b.cfg.SlowCall.v > 0 && p.rt.clock.Now().Sub(start) >= b.cfg.SlowCall.v {
		o |= outcomeSlow
	}
	b.release(g, o, err != nil && p.ignoredByBreaker(ctx, pc, err))
	return err
}

func deadlinePassed(ctx context.Context, c Clock) bool {
	d, ok := ctx.Deadline()
	return ok && !c.Now().Before(d)
}

// call runs fn under the per-attempt timeout of v.
func (p *Policy) call(ctx context.Context, pc *PolicyContext, v *variant, fn func(context.Context) error) error {
	if v.timeout <= 0 {
		return fn(ctx)
	}
	actx, cancel := p.rt.withTimeout(ctx, v.timeout)
	err := fn(actx)
	// Read before cancel: once cancelled, actx.Err() is set whatever
	// happened. The deadline having passed decides, not which timer
	// noticed first: a socket deadline set from actx fires as an i/o
	// timeout that can beat the context's own timer.
	expired := err != nil && (actx.Err() != nil || deadlinePassed(actx, p.rt.calls))
	cancel()
	if expired && ctx.Err() == nil {
		err = &TimeoutError{Policy: p.name, Timeout: v.timeout, Err: err}
		if p.rt.callEvents {
			p.rt.emit(ctx, p.event(ctx, EventTimeout, pc, Event{Err: err}))
		}
	}
	return err
}

// ShouldFallback reports whether the final error err of a call should be
// handed to the method's fallback, and records an event when it should. Ignored errors are
// the caller's business and go back unchanged; so does everything once the
// caller has cancelled, since no one is waiting for the answer.
func (p *Policy) ShouldFallback(ctx context.Context, pc *PolicyContext, err error) bool {
	if !p.finalFailure(ctx, pc, err) || methodRan(err) {
		return false
	}
	if pc != nil {
		pc.fellBack = true
	}
	if p.rt.callEvents {
		p.rt.emit(ctx, p.event(ctx, EventFallback, pc, Event{Err: err}))
	}
	return true
}
