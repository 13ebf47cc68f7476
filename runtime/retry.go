package baldur

import "context"

// retryAfter runs the attempts after a failed first one. It is the slow
// path; keeping it out of Do keeps Do small.
func (p *Policy) retryAfter(ctx context.Context, fn func(context.Context) error, err error) error {
	if _, ok := err.(*BreakerOpenError); ok {
		// A rejected call is not retried into the same open breaker, and
		// it never reached the dependency, so the budget does not see it.
		return err
	}
	bud := p.budget
	if p.retry.Attempts.v <= 1 || !p.retryable(ctx, err) {
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
	stop := func(reason error) error { return p.retryError(errs, reason) }
	for n := 1; ; n++ {
		if n >= p.retry.Attempts.v {
			if p.rt.callEvents {
				p.rt.emit(ctx, Event{Kind: EventRetriesExhausted, Policy: p.name, Method: p.method, Attempt: n, Err: err})
			}
			return stop(nil)
		}
		delay := p.retryDelay(n, err)
		if deadline, ok := ctx.Deadline(); ok && !p.rt.clock.Now().Add(delay).Before(deadline) {
			return stop(ErrRetryDeadline)
		}
		if bud != nil && !bud.withdraw() {
			if p.rt.callEvents {
				p.rt.emit(ctx, Event{Kind: EventRetryBudget, Policy: p.name, Method: p.method, Attempt: n, Err: err})
			}
			return stop(ErrRetryBudget)
		}
		if p.rt.callEvents {
			p.rt.emit(ctx, Event{Kind: EventRetry, Policy: p.name, Method: p.method, Attempt: n, Delay: delay, Err: err})
		}
		if serr := p.rt.sleep(ctx, delay); serr != nil {
			return stop(serr)
		}
		err = p.attempt(ctx, fn)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if !p.retryable(ctx, err) {
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

func (p *Policy) retryError(errs []error, stop error) *RetryError {
	box := &retryErrorBox{err: RetryError{Policy: p.name, Attempts: len(errs), MaxAttempts: p.retry.Attempts.v, Stop: stop}}
	if len(errs) <= len(box.errs) {
		box.err.Errs = box.errs[:copy(box.errs[:], errs):len(errs)]
	} else {
		box.err.Errs = append([]error(nil), errs...)
	}
	return &box.err
}
