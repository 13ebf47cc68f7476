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

// ignoredByBreaker reports that err, from a call made with the caller's
// ctx, gives the breaker permit back without counting: the caller
// cancelled, or err is a business outcome listed in ignore. An idempotent
// call whose callers all gave up at their deadlines was not cancelled by
// choice: the dependency did not answer in time, and that counts.
func (p *Policy) ignoredByBreaker(ctx context.Context, err error) bool {
	if cerr := ctx.Err(); cerr != nil && errors.Is(cerr, context.Canceled) && !abandoned(ctx) {
		return true
	}
	return p.ignores(err)
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
func (p *Policy) retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
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
