package grpcbaldur_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

const meshOwns = noDelay + "mesh: {owns_network_retries: true}\n"

// A refused dial reaches the caller as a gRPC Unavailable, not a net
// error: the runtime's IsConnectionError is false for it, so the mesh
// switch never applied to gRPC. With grpcbaldur's reading it does, and
// the failure still counts against the breaker.
func TestMeshOwnsGRPCConnectionErrors(t *testing.T) {
	c := client(t, deadAddr(t))
	_, refused := c.Check(bg, nil)
	if status.Code(refused) != codes.Unavailable || baldur.IsConnectionError(refused) {
		t.Fatalf("dead address: %v; want an Unavailable the core does not recognise", refused)
	}
	if !grpcbaldur.IsConnectionError(refused) {
		t.Fatalf("grpcbaldur.IsConnectionError(%v) = false", refused)
	}

	var calls int
	counted := func(ctx context.Context, p *baldur.Policy) error {
		return p.Do(ctx, nil, func(ctx context.Context) error {
			calls++
			_, err := c.Check(ctx, nil)
			return err
		})
	}
	without := newRuntime(t, meshOwns)
	counted(bg, without.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3}))
	if calls != 3 {
		t.Fatalf("without ClientErrors: %d attempts, want 3 (the switch cannot see it)", calls)
	}

	rt := newRuntime(t, meshOwns, baldur.WithClientErrors(grpcbaldur.ClientErrors()))
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3, Breaker: "dep"})
	calls = 0
	err := counted(bg, p)
	if calls != 1 || status.Code(err) != codes.Unavailable {
		t.Fatalf("with ClientErrors: %d attempts, err %v; want 1 Unavailable (the mesh retries it)", calls, err)
	}
	if m := p.Breaker().Metrics(); m.Failures != 1 {
		t.Fatalf("breaker %+v: the connection error must count", m)
	}
	if grpcbaldur.Classify(baldur.PolicyContext{}, err) != baldur.DecideDefault {
		t.Fatal("Classify claims a transport Unavailable instead of leaving it to the runtime's mesh switch")
	}
}

// The server's own Unavailable is an answer: the mesh switch leaves it to
// Baldur, which retries it.
func TestMeshLeavesTheServersUnavailableToBaldur(t *testing.T) {
	s := failing(t, status.Error(codes.Unavailable, "overloaded"))
	rt := newRuntime(t, meshOwns, baldur.WithClientErrors(grpcbaldur.ClientErrors()))
	err := check(bg, rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3}), client(t, s.addr))
	if n := s.calls.Load(); n != 3 || grpcbaldur.IsConnectionError(err) {
		t.Fatalf("%d calls, connection error %v; want 3 calls of an answer", n, grpcbaldur.IsConnectionError(err))
	}
}

// A connection lost in the middle of a call is a connection error too.
func TestConnectionLostMidCallIsAConnectionError(t *testing.T) {
	entered := make(chan struct{})
	s := &server{fail: func(ctx context.Context, _ int) error {
		close(entered)
		<-ctx.Done()
		return ctx.Err()
	}}
	l := startServer(t, s)
	c := client(t, l.addr)
	result := make(chan error)
	go func() { _, err := c.Check(bg, nil); result <- err }()
	<-entered
	stopServer(t, l)
	err := <-result
	if !grpcbaldur.IsConnectionError(err) {
		t.Fatalf("server stopped mid-call: %v; want a connection error", err)
	}
}

// The server's RetryInfo is the minimum delay before the next attempt.
func TestRetryInfoIsTheMinimumDelay(t *testing.T) {
	st, err := status.New(codes.ResourceExhausted, "quota").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	s := failing(t, st.Err())
	c := client(t, s.addr)
	_, answer := c.Check(bg, nil)
	if d, ok := grpcbaldur.RetryAfter(answer); !ok || d != 2*time.Second {
		t.Fatalf("RetryAfter(%v) = %v, %v; want 2s", answer, d, ok)
	}
	s.calls.Store(0)

	clock := baldurtest.NewClock(time.Now())
	var mu sync.Mutex
	var delays []time.Duration
	rt := newRuntime(t, "defaults:\n  retry: {initial_delay: 100ms, jitter: none}\n  budget: {enabled: false}\n",
		baldur.WithClock(clock), baldur.WithClientErrors(grpcbaldur.ClientErrors()),
		baldur.WithObserver(func(ev baldur.Event) {
			if ev.Kind == baldur.EventRetry {
				mu.Lock()
				delays = append(delays, ev.Delay)
				mu.Unlock()
			}
		}))
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 2})
	result := make(chan error)
	go func() { result <- check(bg, p, c) }()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if err := clock.WaitForCallTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	<-result
	if len(delays) != 1 || delays[0] != 2*time.Second || s.calls.Load() != 2 {
		t.Fatalf("delays %v over %d calls, want [2s] over 2", delays, s.calls.Load())
	}
}

func TestIsConnectionErrorIsNotFooledByAnswers(t *testing.T) {
	for _, err := range []error{
		nil, errors.New("connection error: not a status"),
		status.Error(codes.Unavailable, "overloaded"),
		status.Error(codes.Unavailable, "upstream connect error or disconnect/reset before headers"),
		status.Error(codes.Internal, "connection error: desc = \"x\""),
	} {
		if grpcbaldur.IsConnectionError(err) {
			t.Errorf("IsConnectionError(%v) = true", err)
		}
	}
}
