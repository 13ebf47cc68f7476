package baldur

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

var (
	// ErrBreakerOpen is returned, without calling the inner method, while a
	// circuit breaker rejects calls. Match it with errors.Is; the concrete
	// value is a *BreakerOpenError naming the breaker.
	ErrBreakerOpen = errors.New("baldur: circuit breaker is open")

	// ErrTimeout marks an attempt cut by the policy's per-attempt timeout.
	// The concrete value is a *TimeoutError, which also matches
	// context.DeadlineExceeded.
	ErrTimeout = errors.New("baldur: attempt timed out")

	// ErrRetryBudget is wrapped around the last error when the policy's
	// retry budget refused a retry.
	ErrRetryBudget = errors.New("baldur: retry budget exhausted")

	// ErrRetryDeadline is wrapped around the last error when the next
	// backoff would end after the caller's deadline, so no attempt was
	// started that could not finish in time.
	ErrRetryDeadline = errors.New("baldur: retry stopped: deadline would be exceeded by the next backoff")
)

// BreakerOpenError is the error a rejected call gets. It matches
// ErrBreakerOpen. One value is built per breaker, so rejecting allocates
// nothing.
type BreakerOpenError struct {
	Breaker string
	State   State
}

func (e *BreakerOpenError) Error() string {
	return "baldur: circuit breaker " + strconv.Quote(e.Breaker) + " is " + e.State.String()
}

func (e *BreakerOpenError) Is(target error) bool { return target == ErrBreakerOpen }

// TimeoutError reports an attempt that ran past the policy's timeout. It
// matches ErrTimeout and context.DeadlineExceeded and unwraps to the error
// the inner method returned.
type TimeoutError struct {
	Policy  string
	Timeout time.Duration
	Err     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("baldur: %s: attempt timed out after %v: %v", e.Policy, e.Timeout, e.Err)
}

func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// RetryError is the final error of a call that was retried, or whose retry
// was refused. Every attempt's error stays reachable with errors.Is and
// errors.As; Stop, when set, says why retrying ended early (ErrRetryBudget,
// ErrRetryDeadline, or the caller's context error).
//
// A RetryError is never retried again by an enclosing protected call: the
// layer closest to the failure owns its retries, so nested decorators do
// not multiply attempts.
type RetryError struct {
	Policy   string
	Attempts int
	// MaxAttempts is how many the policy allowed; fewer were made when an
	// error that is not retried (an open breaker, say) ended the call.
	MaxAttempts int
	Errs        []error
	Stop        error
}

func (e *RetryError) Error() string {
	last := e.Last()
	switch {
	case e.Stop != nil:
		return fmt.Sprintf("baldur: %s: %v after %d attempt(s): %v", e.Policy, e.Stop, e.Attempts, last)
	case e.Attempts < e.MaxAttempts:
		return fmt.Sprintf("baldur: %s: stopped after %d of %d attempts: %v", e.Policy, e.Attempts, e.MaxAttempts, last)
	default:
		return fmt.Sprintf("baldur: %s: all %d attempts failed: %v", e.Policy, e.Attempts, last)
	}
}

// Last is the error of the last attempt.
func (e *RetryError) Last() error {
	if len(e.Errs) == 0 {
		return nil
	}
	return e.Errs[len(e.Errs)-1]
}

// Unwrap exposes every attempt's error, newest first, then Stop.
func (e *RetryError) Unwrap() []error {
	out := make([]error, 0, len(e.Errs)+1)
	for i := len(e.Errs) - 1; i >= 0; i-- {
		out = append(out, e.Errs[i])
	}
	if e.Stop != nil {
		out = append(out, e.Stop)
	}
	return out
}

// errPermanent and errRetried are markers matched with errors.Is, which
// is cheaper than errors.As on the failure path.
var (
	errPermanent = errors.New("baldur: permanent")
	errRetried   = errors.New("baldur: retried")
)

// Is marks every RetryError, so that an enclosing policy sees that the
// failure was retried already.
func (e *RetryError) Is(target error) bool { return target == errRetried }

type permanentError struct{ err error }

func (e *permanentError) Error() string        { return e.err.Error() }
func (e *permanentError) Unwrap() error        { return e.err }
func (e *permanentError) Is(target error) bool { return target == errPermanent }

// Permanent marks err as not worth retrying. The returned error unwraps to
// err, so errors.Is and errors.As see through it. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool { return errors.Is(err, errPermanent) }
