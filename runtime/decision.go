package baldur

import (
	"context"
	"errors"
)

// judgedError is an attempt's outcome as a classifier of the method's
// results decided it: the decision, and the attempt's own error, nil when
// a success was judged a failure (an HTTP 503 response, a NOT_SERVING
// health check).
type judgedError struct {
	decision Decision
	err      error
	policy   string
}

func (e *judgedError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return "baldur: " + e.policy + ": the call's result was judged a failure"
}

func (e *judgedError) Unwrap() error { return e.err }

// Judge is an attempt's outcome given a classifier's decision on its
// results and error: err itself for DecideDefault (and nil for a success
// judged a business outcome), otherwise an error the policy reads the
// decision from. Generated decorators call it inside the attempt, with a
// classify function that reads the method's results.
func (p *Policy) Judge(d Decision, err error) error {
	if d == DecideDefault || (d == DecideIgnore && err == nil) {
		return err
	}
	return &judgedError{decision: d, err: err, policy: p.name}
}

// FinalError is what a caller without a fallback gets for a call whose
// last attempt's results were judged: a success judged a failure goes back
// as the success it was, with that attempt's results (the last 503
// response, say), and a judged error as the error it was. Any other error
// is returned as is.
func (p *Policy) FinalError(err error) error {
	last := err
	// Only the policy's own outcome, not one wrapped since: a call captured
	// as a dead letter (or not taken by the store) stays that error.
	if re, ok := err.(*RetryError); ok && re.Stop == nil {
		last = re.Last()
	}
	if je, ok := last.(*judgedError); ok {
		if je.err == nil || je.decision == DecideIgnore {
			return je.err
		}
		if last == err {
			return je.err
		}
	}
	return err
}

// decide is the classifier's decision on an attempt's error: a judged
// one's own, or Spec.Classify's, asked once per attempt. It sees a copy of
// the call's context: the classifier may keep it.
func (p *Policy) decide(ctx context.Context, pc *PolicyContext, err error) Decision {
	if je, ok := err.(*judgedError); ok {
		return je.decision
	}
	if p.classify == nil || err == nil {
		return DecideDefault
	}
	if pc != nil && int(pc.decided) == pc.attempt && pc.attempt > 0 {
		return pc.decision
	}
	c := PolicyContext{p: p}
	if pc != nil {
		c = pc.detached(p, ctx)
	}
	d := p.classify(c, err)
	if pc != nil {
		pc.decided, pc.decision = int32(pc.attempt), d
	}
	return d
}

// ignoredByBreaker reports that err, from a call made with the caller's
// ctx, gives the breaker permit back without counting: the caller
// cancelled, or err is a business outcome (ignore, DecideIgnore).
func (p *Policy) ignoredByBreaker(ctx context.Context, pc *PolicyContext, err error) bool {
	if cerr := ctx.Err(); cerr != nil && errors.Is(cerr, context.Canceled) && !abandoned(ctx) {
		return true
	}
	switch p.decide(ctx, pc, err) {
	case DecideIgnore:
		return true
	case DecideRetry, DecideFail:
		return false
	}
	return p.ignores(err)
}

// businessOutcome reports whether err, the final error of a call made
// without a PolicyContext (a replay's), is a business answer: the
// classifier's DecideIgnore, or an error listed in ignore.
func (p *Policy) businessOutcome(ctx context.Context, err error) bool {
	switch p.decide(ctx, nil, err) {
	case DecideIgnore:
		return true
	case DecideDefault:
		return p.ignores(err)
	}
	return false
}
