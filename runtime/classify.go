package baldur

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

func matchesAny(err error, targets []error) bool {
	for _, t := range targets {
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
// cancelled, or err is a business outcome listed in ignore.
func (p *Policy) ignoredByBreaker(ctx context.Context, err error) bool {
	if cerr := ctx.Err(); cerr != nil && errors.Is(cerr, context.Canceled) {
		return true
	}
	return len(p.ignore) > 0 && matchesAny(err, p.ignore)
}

// retryable decides whether err, the error of an attempt made with the
// caller's ctx, is worth another attempt.
func (p *Policy) retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, errPermanent) || errors.Is(err, ErrBreakerOpen) {
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
	if matchesAny(err, p.ignore) || matchesAny(err, p.abortOn) {
		return false
	}
	if p.meshOwnsNetwork && IsConnectionError(err) {
		return false
	}
	return len(p.retryOn) == 0 || matchesAny(err, p.retryOn)
}
