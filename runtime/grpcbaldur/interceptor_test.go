package grpcbaldur_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

// breakerOpen is what a handler's protected call returns while its
// dependency's breaker is open: the real error, from a real policy.
func breakerOpen(t *testing.T) error {
	rt := newRuntime(t, noDelay)
	p := rt.Policy(baldur.Spec{Name: "down", Method: "t.Ledger.Post", Breaker: "dep"})
	p.Breaker().ForceOpen()
	err := p.Do(bg, nil, func(context.Context) error { return nil })
	if err == nil {
		t.Fatal("a forced-open breaker let the call through")
	}
	return err
}

func TestServerInterceptorMapsRefusals(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"breaker open", breakerOpen(t), codes.Unavailable},
		{"retry budget", &baldur.RetryError{Policy: "p", Attempts: 1, Errs: []error{status.Error(codes.Internal, "x")}, Stop: baldur.ErrRetryBudget}, codes.Unavailable},
		{"in flight", fmt.Errorf("charge: %w", baldur.ErrInFlight), codes.Aborted},
		{"other errors unchanged", status.Error(codes.NotFound, "no"), codes.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fail := func(context.Context, int) error { return c.err }
			watch := func() error { return c.err }

			// Without the interceptor the client sees Unknown, or the code
			// of the last attempt's status the refusal wraps.
			plain := startServer(t, &server{fail: fail})
			if _, err := client(t, plain.addr).Check(bg, nil); c.want != codes.NotFound && status.Code(err) == c.want {
				t.Fatalf("without the interceptor: %v, expected another code than %v", err, c.want)
			}

			s := startServer(t, &server{fail: fail, watch: watch},
				grpc.UnaryInterceptor(grpcbaldur.UnaryServerInterceptor()),
				grpc.StreamInterceptor(grpcbaldur.StreamServerInterceptor()))
			hc := client(t, s.addr)
			if _, err := hc.Check(bg, nil); status.Code(err) != c.want {
				t.Fatalf("unary: %v, want %v", err, c.want)
			}
			stream, err := hc.Watch(bg, &healthpb.HealthCheckRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stream.Recv(); status.Code(err) != c.want {
				t.Fatalf("stream: %v, want %v", err, c.want)
			}
		})
	}
}
