package baldur

import (
	"context"
	"errors"
)

// Begin starts the call pc describes for the runtime's interceptor, if it
// has one, and returns the call's context. Generated decorators call it
// first, and End last; without an interceptor both cost a nil check.
func (p *Policy) Begin(ctx context.Context, pc *PolicyContext) context.Context {
	if p.rt.interceptor == nil {
		return ctx
	}
	return p.begin(ctx, pc)
}

// begin and end are kept out of Begin and End so that those inline into
// the generated method: without an interceptor a call pays two nil checks.
func (p *Policy) begin(ctx context.Context, pc *PolicyContext) context.Context {
	ctx, pc.end = p.rt.interceptor.Begin(ctx, pc.detached(p, ctx))
	return ctx
}

// End reports to the interceptor how the call ended and returns err, the
// error its caller gets.
func (p *Policy) End(ctx context.Context, pc *PolicyContext, err error) error {
	if pc.end != nil {
		p.end(ctx, pc, err)
	}
	return err
}

func (p *Policy) end(ctx context.Context, pc *PolicyContext, err error) {
	pc.end(CallEnd{Outcome: p.outcome(ctx, pc, err), Err: err, Attempts: pc.attempt, Context: pc.detached(p, ctx)})
}

func (p *Policy) outcome(ctx context.Context, pc *PolicyContext, err error) Outcome {
	switch {
	case pc.fellBack && pc.captured:
		return OutcomeDeadLettered
	case pc.fellBack:
		return OutcomeFallback
	case pc.answered && err == nil:
		return OutcomeDuplicate
	case err == nil:
		return OutcomeSuccess
	case errors.Is(err, ErrDeadLettered):
		return OutcomeDeadLettered
	case errors.Is(err, ErrBreakerOpen) && pc.attempt <= 1:
		return OutcomeRejected
	}
	switch p.decide(ctx, pc, err) {
	case DecideIgnore:
		return OutcomeIgnored
	case DecideDefault:
		if p.ignores(err) {
			return OutcomeIgnored
		}
	}
	return OutcomeFailure
}
