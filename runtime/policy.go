package baldur

import (
	"context"
	"errors"
	"time"
)

// RetryDefault in Spec.Retry turns retry on with the configured number of
// attempts.
const RetryDefault = -1

// Spec is what an annotation says about one method. Generated constructors
// pass it to Runtime.Policy; hand-written code may too.
type Spec struct {
	// Name is the policy name that configuration and events use.
	Name string
	// Method is the protected method, as package.Interface.Method.
	Method string
	// Retry is 0 for no retry, RetryDefault for the configured attempts,
	// or the number of attempts, the first one included.
	Retry int
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
}

// Policy runs one protected method: retry, then the circuit breaker, then
// the per-attempt timeout, then the inner call. It is built once per
// decorator and safe for concurrent use.
type Policy struct {
	rt      *Runtime
	name    string
	method  string
	breaker *CircuitBreaker
	timeout time.Duration
	retry   RetryConfig

	retryOn, abortOn, ignore []error
	meshOwnsNetwork          bool
}

// Name is the policy name.
func (p *Policy) Name() string { return p.name }

// Breaker is the policy's circuit breaker, or nil.
func (p *Policy) Breaker() *CircuitBreaker { return p.breaker }

// Do calls fn under the policy. fn receives the attempt's context and
// returns the inner method's error; results travel through variables fn
// closes over, which keeps the call free of allocations.
func (p *Policy) Do(ctx context.Context, fn func(context.Context) error) error {
	err := p.attempt(ctx, fn)
	if err == nil {
		return nil
	}
	return p.retryAfter(ctx, fn, err)
}

// attempt makes one call through the breaker and the timeout.
func (p *Policy) attempt(ctx context.Context, fn func(context.Context) error) error {
	b := p.breaker
	if b == nil {
		return p.call(ctx, fn)
	}
	g, err := b.acquire()
	if err != nil {
		p.rt.emit(ctx, Event{Kind: EventBreakerRejected, Policy: p.name, Method: p.method, Breaker: b.name, Err: err})
		return err
	}
	var start time.Time
	if b.cfg.SlowCall > 0 {
		start = p.rt.clock.Now()
	}
	finished := false
	defer func() {
		if !finished { // fn panicked: count a failure and let the panic go on
			b.release(g, outcomeFailure, false)
		}
	}()
	err = p.call(ctx, fn)
	finished = true

	o := outcomeSuccess
	if err != nil {
		o = outcomeFailure
	}
	if b.cfg.SlowCall > 0 && p.rt.clock.Now().Sub(start) >= b.cfg.SlowCall {
		o |= outcomeSlow
	}
	b.release(g, o, err != nil && p.ignoredByBreaker(ctx, err))
	return err
}

func (p *Policy) call(ctx context.Context, fn func(context.Context) error) error {
	if p.timeout <= 0 {
		return fn(ctx)
	}
	actx, cancel := p.rt.withTimeout(ctx, p.timeout)
	err := fn(actx)
	cancel()
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		err = &TimeoutError{Policy: p.name, Timeout: p.timeout, Err: err}
		p.rt.emit(ctx, Event{Kind: EventTimeout, Policy: p.name, Method: p.method, Err: err})
	}
	return err
}

// retryAfter runs the attempts after a failed first one. It is the slow
// path; Do stays small enough to inline its happy path.
func (p *Policy) retryAfter(ctx context.Context, fn func(context.Context) error, err error) error {
	if p.retry.Attempts <= 1 || !p.retryable(ctx, err) {
		return err
	}
	var buf [8]error
	errs := append(buf[:0], err)
	stop := func(reason error) error {
		return &RetryError{Policy: p.name, Attempts: len(errs), Errs: append([]error(nil), errs...), Stop: reason}
	}
	for n := 1; ; n++ {
		if n >= p.retry.Attempts {
			p.rt.emit(ctx, Event{Kind: EventRetriesExhausted, Policy: p.name, Method: p.method, Attempt: n, Err: err})
			return stop(nil)
		}
		delay := p.retry.Delay(n)
		if deadline, ok := ctx.Deadline(); ok && !p.rt.clock.Now().Add(delay).Before(deadline) {
			return stop(ErrRetryDeadline)
		}
		p.rt.emit(ctx, Event{Kind: EventRetry, Policy: p.name, Method: p.method, Attempt: n, Delay: delay, Err: err})
		if serr := p.rt.sleep(ctx, delay); serr != nil {
			return stop(serr)
		}
		err = p.attempt(ctx, fn)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if !p.retryable(ctx, err) {
			if ctx.Err() != nil {
				return stop(ctx.Err())
			}
			return stop(nil)
		}
	}
}

// Fallback reports whether the final error err of a call should be handed
// to the method's fallback, and records that it was. Ignored errors are
// the caller's business and go back unchanged; so does everything once the
// caller has cancelled, since no one is waiting for the answer.
func (p *Policy) Fallback(ctx context.Context, err error) bool {
	if matchesAny(err, p.ignore) || errors.Is(ctx.Err(), context.Canceled) {
		return false
	}
	p.rt.emit(ctx, Event{Kind: EventFallback, Policy: p.name, Method: p.method, Err: err})
	return true
}
