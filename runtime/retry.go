package baldur

import "context"

// retryAfter runs the attempts after a failed first one, through breaker b
// with v's timeout and retry. It is the slow path; keeping it out of Do
// keeps Do small.
func (p *Policy) retryAfter(ctx context.Context, pc *PolicyContext, b *CircuitBreaker, v *variant, fn func(context.Context) error, err error) error {
	if _, ok := err.(*BreakerOpenError); ok {
		// A rejected call is not retried into the same open breaker, and
		// it never reached the dependency, so the budget does not see it.
		return err
	}
	bud := p.budget
	attempts := v.retry.Attempts.v
	if attempts <= 1 || !p.retryable(ctx, pc, err) {
		if bud != nil && bud.active.Load() {
			bud.deposit()
		}
		return err
	}
	if bud != nil {
		bud.failure(true)
	}
	var buf [8]error
	errs := append(buf[:0], err)
	stop := func(reason error) error { return p.retryError(errs, attempts, reason) }
	for n := 1; ; n++ {
		if n >= attempts {
			if p.rt.callEvents {
				p.rt.emit(ctx, p.event(ctx, EventRetriesExhausted, pc, Event{Attempt: n, Err: err}))
			}
			return stop(nil)
		}
		delay := p.retryDelay(&v.retry, n, err)
		if deadline, ok := ctx.Deadline(); ok && !p.rt.clock.Now().Add(delay).Before(deadline) {
			return stop(ErrRetryDeadline)
		}
		if bud != nil && !bud.withdraw() {
			if p.rt.callEvents {
				p.rt.emit(ctx, p.event(ctx, EventRetryBudget, pc, Event{Attempt: n, Err: err}))
			}
			return stop(ErrRetryBudget)
		}
		if p.rt.callEvents {
			p.rt.emit(ctx, p.event(ctx, EventRetry, pc, Event{Attempt: n, Delay: delay, Err: err}))
		}
		if serr := p.rt.sleep(ctx, delay); serr != nil {
			return stop(serr)
		}
		if pc != nil {
			pc.attempt = n + 1
		}
		err = p.attempt(ctx, pc, b, v, fn)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if !p.retryable(ctx, pc, err) {
			if cerr := ctx.Err(); cerr != nil {
				return stop(cerr)
			}
			return stop(nil)
		}
		if bud != nil {
			bud.failure(false)
		}
	}
}

// retryErrorBox holds a RetryError and the attempts' errors of a usual call
// in one allocation.
type retryErrorBox struct {
	err  RetryError
	errs [4]error
}

func (p *Policy) retryError(errs []error, attempts int, stop error) *RetryError {
	box := &retryErrorBox{err: RetryError{Policy: p.name, Attempts: len(errs), MaxAttempts: attempts, Stop: stop}}
	if len(errs) <= len(box.errs) {
		box.err.Errs = box.errs[:copy(box.errs[:], errs):len(errs)]
	} else {
		box.err.Errs = append([]error(nil), errs...)
	}
	return &box.err
}
