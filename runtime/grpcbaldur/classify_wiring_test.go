// classify= at the policy: the runtime asks the classifier about every
// failed attempt.

package grpcbaldur_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

func classified(t *testing.T, rt *baldur.Runtime, attempts int) *baldur.Policy {
	return rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: attempts,
		Breaker: "dep", Classify: grpcbaldur.Classify})
}

func TestClassifiedNotFoundIsReturnedAtOnceUncounted(t *testing.T) {
	s := failing(t, status.Error(codes.NotFound, "no such account"))
	p := classified(t, newRuntime(t, noDelay), 4)
	err := check(bg, p, client(t, s.addr))
	if n := s.calls.Load(); n != 1 || status.Code(err) != codes.NotFound {
		t.Fatalf("%d calls, err %v; want 1 NotFound", n, err)
	}
	if m := p.Breaker().Metrics(); m.Calls != 0 || m.Failures != 0 {
		t.Fatalf("breaker %+v: DecideIgnore must not count", m)
	}
	if p.ShouldFallback(bg, nil, err) {
		t.Fatal("DecideIgnore handed to the fallback")
	}
}

func TestClassifiedUnavailableIsRetried(t *testing.T) {
	s := failing(t, status.Error(codes.Unavailable, "overloaded"))
	check(bg, classified(t, newRuntime(t, noDelay), 3), client(t, s.addr))
	if n := s.calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

func TestClassifiedInternalFailsWithoutRetry(t *testing.T) {
	s := failing(t, status.Error(codes.Internal, "nil pointer"))
	p := classified(t, newRuntime(t, noDelay), 3)
	check(bg, p, client(t, s.addr))
	if n, m := s.calls.Load(), p.Breaker().Metrics(); n != 1 || m.Failures != 1 {
		t.Fatalf("%d calls, breaker %+v; want 1 call counted as a failure", n, m)
	}
}

// DecideRetry does not outrank the caller's ended context.
func TestClassifiedCallersDeadlineIsNotRetried(t *testing.T) {
	s := hanging(t)
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	check(ctx, classified(t, newRuntime(t, noDelay), 3), client(t, s.addr))
	if n := s.calls.Load(); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}

// A transport Unavailable is DecideDefault, so the mesh switch applies.
func TestClassifiedTransportUnavailableUnderTheMesh(t *testing.T) {
	rt := newRuntime(t, meshOwns, baldur.WithClientErrors(grpcbaldur.ClientErrors()))
	var calls int
	c := client(t, deadAddr(t))
	classified(t, rt, 3).Do(bg, nil, func(ctx context.Context) error {
		calls++
		_, err := c.Check(ctx, nil)
		return err
	})
	if calls != 1 {
		t.Fatalf("%d attempts, want 1 (the mesh owns it)", calls)
	}
}
