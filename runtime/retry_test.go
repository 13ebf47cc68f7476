package baldur_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

const zeroDelay = `
defaults:
  retry: {initial_delay: 0s}
`

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

func TestR1ExactAttemptsAndEveryErrorReachable(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3})
	n := 0
	errA := errors.New("first")
	err := p.Do(bg, nil, func(context.Context) error {
		n++
		if n == 1 {
			return errA
		}
		return &codeError{code: 500 + n}
	})
	if n != 3 {
		t.Fatalf("inner called %d times, want 3", n)
	}
	var re *baldur.RetryError
	var ce *codeError
	if !errors.As(err, &re) || re.Attempts != 3 || re.Stop != nil {
		t.Fatalf("err = %#v, want a RetryError of 3 attempts", err)
	}
	if !errors.Is(err, errA) || !errors.As(err, &ce) || ce.code != 503 {
		t.Fatalf("attempt errors not reachable: Is(first)=%v As=%v", errors.Is(err, errA), ce)
	}
	if e.count(baldur.EventRetry) != 2 || e.count(baldur.EventRetriesExhausted) != 1 {
		t.Fatalf("events: %d retries, %d exhausted; want 2 and 1", e.count(baldur.EventRetry), e.count(baldur.EventRetriesExhausted))
	}
}

func TestR1SuccessOnALaterAttemptReturnsNil(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true})
	n := 0
	if err := p.Do(bg, nil, func(context.Context) error {
		if n++; n < 3 {
			return errBoom
		}
		return nil
	}); err != nil || n != 3 {
		t.Fatalf("err %v after %d calls, want nil after 3", err, n)
	}
}

func TestR2NonRetryableErrorsMakeOneAttempt(t *testing.T) {
	errAbort, errOnly := errors.New("abort"), errors.New("only this")
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 5, AbortOn: []error{errAbort}, Ignore: []error{errDeclined}})
	only := e.policy(baldur.Spec{Name: "only", Retry: true, Attempts: 5, RetryOn: []error{errOnly}})
	open := &baldur.BreakerOpenError{Breaker: "x", State: baldur.StateOpen}
	for name, tc := range map[string]struct {
		p   *baldur.Policy
		err error
	}{
		"permanent":         {p, baldur.Permanent(errBoom)},
		"canceled":          {p, context.Canceled},
		"deadline":          {p, fmt.Errorf("read: %w", context.DeadlineExceeded)},
		"breaker open":      {p, open},
		"abort_on":          {p, fmt.Errorf("wrapped: %w", errAbort)},
		"ignore":            {p, errDeclined},
		"not in retry_on":   {only, errBoom},
		"inner retry error": {p, &baldur.RetryError{Policy: "inner", Attempts: 3, Errs: []error{errBoom}}},
	} {
		var inner counter
		err := tc.p.Do(bg, nil, inner.fn(tc.err))
		if inner.n() != 1 || err != tc.err {
			t.Errorf("%s: %d attempts, err %v; want 1 attempt and the error unchanged", name, inner.n(), err)
		}
	}
	var inner counter
	only.Do(bg, nil, inner.fn(errOnly))
	if inner.n() != 5 {
		t.Errorf("retry_on error: %d attempts, want 5", inner.n())
	}
}

// R3: a backoff of 1 s and a caller who cancels while it sleeps: the call
// returns at once with context.Canceled after one attempt, and the sleeping
// timer is gone (TestMain checks for leaked goroutines).
func TestR3CancelDuringBackoffReturnsAtOnce(t *testing.T) {
	e := newEnv(t, `
defaults:
  retry: {initial_delay: 1s, jitter: none}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3})
	ctx, cancel := context.WithCancel(bg)
	var inner counter
	result := make(chan error)
	go func() { result <- p.Do(ctx, nil, inner.fn(errBoom)) }()
	waitCallTimers(t, e.clock, 1) // asleep in the backoff
	cancel()
	err := <-result
	var re *baldur.RetryError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &re) || re.Attempts != 1 || inner.n() != 1 {
		t.Fatalf("err %v after %d attempts, want context.Canceled after 1", err, inner.n())
	}
	if n := e.clock.CallTimers(); n != 0 {
		t.Fatalf("%d of the call's timers left behind", n)
	}
}

func TestR3BackoffSleepsOnTheClock(t *testing.T) {
	e := newEnv(t, `
defaults:
  retry: {initial_delay: 1s, multiplier: 2, jitter: none}
  budget: {enabled: false}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3})
	var inner counter
	result := make(chan error)
	go func() { result <- p.Do(bg, nil, inner.fn(errBoom)) }()
	for i, d := range []time.Duration{time.Second, 2 * time.Second} {
		waitCallTimers(t, e.clock, 1)
		e.clock.Advance(d - time.Millisecond)
		if inner.n() != i+1 {
			t.Fatalf("attempt %d started before its backoff of %v ended", i+2, d)
		}
		e.clock.Advance(time.Millisecond)
	}
	<-result
	if inner.n() != 3 {
		t.Fatalf("%d attempts, want 3", inner.n())
	}
}

// R4: no attempt starts when the next backoff would end after the deadline.
func TestR4NoAttemptPastTheDeadline(t *testing.T) {
	e := newEnv(t, `
defaults:
  retry: {initial_delay: 30m, max_delay: 1h, jitter: none}
  budget: {enabled: false}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3})
	ctx, cancel := context.WithDeadline(bg, e.clock.Now().Add(20*time.Minute))
	defer cancel()
	var inner counter
	err := p.Do(ctx, nil, inner.fn(errBoom))
	if inner.n() != 1 || !errors.Is(err, baldur.ErrRetryDeadline) || !errors.Is(err, errBoom) {
		t.Fatalf("err %v after %d attempts, want ErrRetryDeadline wrapping boom after 1", err, inner.n())
	}
	if e.clock.Timers() != 0 {
		t.Fatal("slept although the backoff could not end in time")
	}
}

// R8: three nested protected calls of 3 attempts each reach the failing
// dependency 3 times, not 27: the innermost layer owns the retries and its
// RetryError is never retried by the layers around it.
func TestR8NestedRetriesDoNotMultiply(t *testing.T) {
	e := newEnv(t, zeroDelay)
	a := e.policy(baldur.Spec{Name: "a", Retry: true, Attempts: 3})
	b := e.policy(baldur.Spec{Name: "b", Retry: true, Attempts: 3})
	c := e.policy(baldur.Spec{Name: "c", Retry: true, Attempts: 3})
	var dep counter
	err := a.Do(bg, nil, func(ctx context.Context) error {
		return b.Do(ctx, nil, func(ctx context.Context) error {
			return c.Do(ctx, nil, dep.fn(errBoom))
		})
	})
	if dep.n() != 3 {
		t.Fatalf("dependency called %d times, want exactly 3", dep.n())
	}
	var re *baldur.RetryError
	if !errors.As(err, &re) || re.Policy != "c" || !errors.Is(err, errBoom) {
		t.Fatalf("err %v, want c's RetryError", err)
	}
}

func TestTimeoutCutsAnAttemptAndIsRetried(t *testing.T) {
	e := newEnv(t, zeroDelay+"  budget: {enabled: false}\n")
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 2, Timeout: 300 * time.Millisecond})
	result := make(chan error)
	var inner counter
	go func() {
		result <- p.Do(bg, nil, func(ctx context.Context) error {
			inner.fn(nil)(ctx)
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	for range 2 {
		waitCallTimers(t, e.clock, 1)
		e.clock.Advance(300 * time.Millisecond)
	}
	err := <-result
	var te *baldur.TimeoutError
	if inner.n() != 2 || !errors.As(err, &te) || !errors.Is(err, baldur.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v after %d attempts, want 2 timed-out attempts", err, inner.n())
	}
	if e.count(baldur.EventTimeout) != 2 {
		t.Fatalf("%d timeout events, want 2", e.count(baldur.EventTimeout))
	}
}

func TestFallbackDecision(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Ignore: []error{errDeclined}})
	if !p.ShouldFallback(bg, nil, errBoom) {
		t.Error("a failure was not handed to the fallback")
	}
	if p.ShouldFallback(bg, nil, fmt.Errorf("card: %w", errDeclined)) {
		t.Error("an ignored business error was handed to the fallback")
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if p.ShouldFallback(ctx, nil, context.Canceled) {
		t.Error("a cancelled caller's error was handed to the fallback")
	}
	if e.count(baldur.EventFallback) != 1 {
		t.Errorf("%d fallback events, want 1", e.count(baldur.EventFallback))
	}
}

// sliceError cannot be compared with ==; errors.Is never matches it.
type sliceError []string

func (e sliceError) Error() string { return "slice error" }

func TestUncomparableErrorTargetsDoNotPanic(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3, RetryOn: []error{sliceError{"x"}}})
	var inner counter
	p.Do(bg, nil, inner.fn(sliceError{"x"}))
	if inner.n() != 1 { // like errors.Is: an uncomparable target matches nothing
		t.Fatalf("%d attempts, want 1", inner.n())
	}
}

// Regression (found by the demo): cancel() sets the attempt context's
// error, so reading it after cancel turned every failure of a policy with
// a timeout into a TimeoutError.
func TestFastFailureUnderATimeoutIsNotATimeout(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Timeout: time.Second})
	err := do(p, errBoom)
	if err != errBoom || errors.Is(err, baldur.ErrTimeout) || e.count(baldur.EventTimeout) != 0 {
		t.Fatalf("err %v (timeout events %d), want boom unchanged", err, e.count(baldur.EventTimeout))
	}
}

// statusError carries a code, like a gRPC status; codeMatcher stands for
// every error of one code in retry_on.
type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("status %d", e.code) }

type codeMatcher int

func (m codeMatcher) Error() string { return fmt.Sprintf("any error of code %d", int(m)) }
func (m codeMatcher) MatchError(err error) bool {
	var ce statusError
	return errors.As(err, &ce) && ce.code == int(m)
}

// An ErrorMatcher in retry_on matches errors by what they carry, where
// errors.Is compares identities.
func TestErrorMatcherInRetryOn(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3, RetryOn: []error{codeMatcher(14)}})
	var unavailable, notFound counter
	p.Do(bg, nil, unavailable.fn(statusError{14}))
	p.Do(bg, nil, notFound.fn(fmt.Errorf("lookup: %w", statusError{5})))
	if unavailable.n() != 3 || notFound.n() != 1 {
		t.Fatalf("code 14: %d attempts, code 5: %d; want 3 and 1", unavailable.n(), notFound.n())
	}
}
