package grpcbaldur_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

// hanging is a server whose Check waits for its deadline.
func hanging(t *testing.T) *server {
	return startServer(t, &server{fail: func(ctx context.Context, _ int) error {
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	}})
}

// The caller's own deadline ends the call: the runtime retries nothing once
// the caller's context is done, even with DeadlineExceeded in retry_on.
func TestCallersDeadlineIsNotRetried(t *testing.T) {
	s := hanging(t)
	rt := newRuntime(t, noDelay)
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3, RetryOn: []error{grpcbaldur.Transient}})
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	err := check(ctx, p, client(t, s.addr))
	if n := s.calls.Load(); n != 1 || status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("%d calls, err %v; want 1 DeadlineExceeded", n, err)
	}
}

// Baldur's own per-attempt timeout is retried: it arrives as a
// *baldur.TimeoutError, which Classify leaves to the runtime.
func TestAttemptTimeoutIsRetried(t *testing.T) {
	s := hanging(t)
	rt := newRuntime(t, noDelay)
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3, Timeout: 50 * time.Millisecond})
	err := check(bg, p, client(t, s.addr))
	var te *baldur.TimeoutError
	if n := s.calls.Load(); n != 3 || !errors.As(err, &te) {
		t.Fatalf("%d calls, err %v; want 3 timed-out attempts", n, err)
	}
	if d := grpcbaldur.Classify(baldur.PolicyContext{}, te); d != baldur.DecideDefault {
		t.Fatalf("Classify(TimeoutError) = %v, want default (the runtime retries its timeouts)", d)
	}
}

// A DeadlineExceeded the server sends on its own (its database timed out)
// is transient and retried.
func TestServersDeadlineExceededIsRetried(t *testing.T) {
	s := failing(t, status.Error(codes.DeadlineExceeded, "ledger query timed out"))
	rt := newRuntime(t, noDelay)
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3, RetryOn: []error{grpcbaldur.Transient}})
	err := check(bg, p, client(t, s.addr))
	if n := s.calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
	var re *baldur.RetryError
	if !errors.As(err, &re) || grpcbaldur.Classify(baldur.PolicyContext{}, re.Last()) != baldur.DecideRetry {
		t.Fatalf("err %v: the server's DeadlineExceeded must classify as retry", err)
	}
}
