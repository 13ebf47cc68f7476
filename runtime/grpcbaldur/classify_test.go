package grpcbaldur_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

// Every code, as a real client receives it from a real server.
func TestClassifyByCodeFromARealServer(t *testing.T) {
	want := map[codes.Code]baldur.Decision{
		codes.Unavailable: baldur.DecideRetry, codes.ResourceExhausted: baldur.DecideRetry,
		codes.Aborted: baldur.DecideRetry, codes.DeadlineExceeded: baldur.DecideRetry,
		codes.InvalidArgument: baldur.DecideIgnore, codes.NotFound: baldur.DecideIgnore,
		codes.AlreadyExists: baldur.DecideIgnore, codes.PermissionDenied: baldur.DecideIgnore,
		codes.Unauthenticated: baldur.DecideIgnore, codes.FailedPrecondition: baldur.DecideIgnore,
		codes.OutOfRange: baldur.DecideIgnore, codes.Unimplemented: baldur.DecideIgnore,
		codes.Internal: baldur.DecideFail, codes.DataLoss: baldur.DecideFail,
		codes.Unknown: baldur.DecideDefault, codes.Canceled: baldur.DecideDefault,
	}
	var code codes.Code
	s := startServer(t, &server{fail: func(context.Context, int) error { return status.Error(code, "answer") }})
	c := client(t, s.addr)
	for code = codes.Canceled; code <= codes.Unauthenticated; code++ {
		_, err := c.Check(bg, &healthpb.HealthCheckRequest{})
		if status.Code(err) != code {
			t.Fatalf("server answered %v, want %v", err, code)
		}
		if got := grpcbaldur.Classify(baldur.PolicyContext{}, err); got != want[code] {
			t.Errorf("%v: %v, want %v", code, got, want[code])
		}
		if got := grpcbaldur.Classify(baldur.PolicyContext{}, fmt.Errorf("wrapped: %w", err)); got != want[code] {
			t.Errorf("wrapped %v: %v, want %v", code, got, want[code])
		}
	}
}

func TestClassifyLeavesOthersToTheRuntime(t *testing.T) {
	for name, err := range map[string]error{
		"nil":            nil,
		"plain":          fmt.Errorf("boom"),
		"baldur timeout": &baldur.TimeoutError{Policy: "p", Timeout: time.Second, Err: status.Error(codes.DeadlineExceeded, "context deadline exceeded")},
		"transport":      status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`),
	} {
		if got := grpcbaldur.Classify(baldur.PolicyContext{}, err); got != baldur.DecideDefault {
			t.Errorf("%s: %v, want default", name, got)
		}
	}
}

// gRPC's own status errors match by code and message, so a sentinel in
// retry_on never matches the server's Unavailable; a Matcher does.
func TestMatcherMatchesByCodeWhereStatusErrorsDoNot(t *testing.T) {
	s := failing(t, status.Error(codes.Unavailable, "overloaded"))
	c := client(t, s.addr)
	rt := newRuntime(t, noDelay)

	sentinel := rt.Policy(baldur.Spec{Name: "sentinel", Method: "t.Health.CheckA", Retry: true, Attempts: 3,
		RetryOn: []error{status.Error(codes.Unavailable, "")}})
	check(bg, sentinel, c)
	if n := s.calls.Swap(0); n != 1 {
		t.Fatalf("retry_on=status.Error(Unavailable, \"\"): %d calls; gRPC's Is was expected to miss (1 call)", n)
	}

	matcher := rt.Policy(baldur.Spec{Name: "matcher", Method: "t.Health.CheckB", Retry: true, Attempts: 3,
		RetryOn: []error{grpcbaldur.Unavailable}})
	err := check(bg, matcher, c)
	if n := s.calls.Swap(0); n != 3 || status.Code(err) != codes.Unavailable {
		t.Fatalf("retry_on=grpcbaldur.Unavailable: %d calls, code %v; want 3, Unavailable", n, status.Code(err))
	}
	if !grpcbaldur.Transient.MatchError(err) || grpcbaldur.Business.MatchError(err) || grpcbaldur.NotFound.MatchError(err) {
		t.Fatal("Transient, Business or NotFound matched wrongly")
	}
}

// Today's default retries a NotFound to the limit and counts every one
// against the breaker; ignore=grpcbaldur.Business returns it at once,
// uncounted.
func TestNotFoundIsABusinessOutcome(t *testing.T) {
	s := failing(t, status.Error(codes.NotFound, "no such account"))
	c := client(t, s.addr)
	rt := newRuntime(t, noDelay)

	plain := rt.Policy(baldur.Spec{Name: "plain", Method: "t.Health.CheckA", Retry: true, Attempts: 4})
	check(bg, plain, c)
	if n := s.calls.Swap(0); n != 4 {
		t.Fatalf("without grpcbaldur: %d calls, want the 4 the runtime makes today", n)
	}

	p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.CheckB", Retry: true, Attempts: 4, Breaker: "dep",
		Ignore: []error{grpcbaldur.Business}})
	for range 3 {
		if err := check(bg, p, c); status.Code(err) != codes.NotFound {
			t.Fatalf("err %v, want the NotFound as is", err)
		}
	}
	if n := s.calls.Load(); n != 3 {
		t.Fatalf("%d calls for 3 NotFound answers, want 3 (none retried)", n)
	}
	if m := p.Breaker().Metrics(); m.Calls != 0 || m.Failures != 0 {
		t.Fatalf("breaker %+v: a business outcome must not count", m)
	}
	if p.ShouldFallback(bg, nil, check(bg, p, c)) {
		t.Fatal("a NotFound was handed to the fallback")
	}
}
