package baldur

import (
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"syscall"
)

// ErrorMatcher is an error value that stands for a class of errors in
// retry_on, abort_on and ignore: an error matches it when MatchError says
// so, not only when errors.Is does. Classifier packages use it for errors
// that carry a code rather than an identity, such as a gRPC status.
type ErrorMatcher interface {
	error
	MatchError(err error) bool
}

func matchesAny(err error, targets []error) bool {
	for _, t := range targets {
		if m, ok := t.(ErrorMatcher); ok && m.MatchError(err) {
			return true
		}
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// IsConnectionError reports whether err is a failure to reach the peer
// rather than an answer from it: a refused, reset or aborted connection, a
// broken pipe, an EOF in the middle of a response, or a net.OpError raised
// while dialing. With mesh.owns_network_retries these are left to the mesh
// to retry.
func IsConnectionError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// ignores reports whether err is a business outcome listed in ignore. A
// timeout never is, whatever the error it cut short: the dependency did
// not answer in time.
func (p *Policy) ignores(err error) bool {
	return len(p.ignore) > 0 && matchesAny(err, p.ignore) && !errors.Is(err, ErrTimeout)
}

// isLeaf reports that err wraps nothing and matches nothing but itself,
// so that errors.Is(err, t) is err == t for a comparable t.
func isLeaf(err error) bool {
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }, interface{ Is(error) bool }:
		return false
	}
	return true
}

func containsLeaf(targets []error, err error) bool {
	for _, t := range targets {
		if t == err {
			return true
		}
	}
	return false
}

// comparableErrors reports that every target can be compared with ==
// without panicking and matches by identity alone, which the leaf
// shortcut in retryable relies on.
func comparableErrors(lists ...[]error) bool {
	for _, l := range lists {
		for _, t := range l {
			if _, matcher := t.(ErrorMatcher); matcher {
				return false
			}
			if t != nil && !reflect.TypeOf(t).Comparable() {
				return false
			}
		}
	}
	return true
}

// retryable decides whether err, the error of an attempt made with the
// caller's ctx, is worth another attempt.
func (p *Policy) retryable(ctx context.Context, pc *PolicyContext, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if p.classify != nil || isJudged(err) {
		// What is never retried stays so (a permanent error, an open
		// breaker, a failure an inner call already retried); the decision
		// comes next, before the lists and the built-in rules.
		if errors.Is(err, errPermanent) || errors.Is(err, ErrBreakerOpen) || errors.Is(err, errRetried) {
			return false
		}
		switch p.decide(ctx, pc, err) {
		case DecideRetry:
			return true
		case DecideFail, DecideIgnore:
			return false
		}
	}
	return p.retryableByRules(err)
}

// retryableByRules decides by the lists and the built-in rules alone.
func (p *Policy) retryableByRules(err error) bool {
	if p.leafSafe && isLeaf(err) {
		// The same decisions as below, without errors.Is walking a chain
		// that is not there: this runs once per failed attempt.
		switch err {
		case errPermanent, ErrBreakerOpen, errRetried, context.Canceled, context.DeadlineExceeded:
			return false
		}
		if containsLeaf(p.ignore, err) || containsLeaf(p.abortOn, err) {
			return false
		}
		if p.meshOwnsNetwork && (err == io.EOF || err == io.ErrUnexpectedEOF || p.rt.clientConnectionError(err)) {
			return false
		}
		return len(p.retryOn) == 0 || containsLeaf(p.retryOn, err)
	}
	if errors.Is(err, errPermanent) || errors.Is(err, ErrBreakerOpen) {
		return false
	}
	// Another protected call already retried this failure; retrying it here
	// would multiply attempts layer by layer.
	if errors.Is(err, errRetried) {
		return false
	}
	if !errors.Is(err, ErrTimeout) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return false
	}
	if p.ignores(err) || (matchesAny(err, p.abortOn) && !errors.Is(err, ErrTimeout)) {
		return false
	}
	if p.meshOwnsNetwork && p.rt.IsConnectionError(err) {
		return false
	}
	return len(p.retryOn) == 0 || matchesAny(err, p.retryOn)
}

func isJudged(err error) bool { _, ok := err.(*judgedError); return ok }
