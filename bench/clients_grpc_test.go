package bench

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

// grpcHealth serves gRPC's health service on a loopback port for the
// benchmark, and returns a client of it.
func grpcHealth(b *testing.B) healthpb.HealthClient {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(grpcbaldur.UnaryServerInterceptor()))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(l)
	conn, err := grpc.NewClient("passthrough:///"+l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		conn.Close()
		srv.Stop()
	})
	return healthpb.NewHealthClient(conn)
}

// A unary call on loopback, bare and through a policy: retry and a
// breaker, then the same with timeout= (a context per attempt). The
// gRPC call itself costs tens of microseconds; the policy adds what the
// happy path of any protected call costs.
func BenchmarkClientsGRPCUnary(b *testing.B) {
	c := grpcHealth(b)
	rt := newRuntime(b)
	req := &healthpb.HealthCheckRequest{}
	call := func(ctx context.Context) error {
		_, err := c.Check(ctx, req)
		return err
	}
	retryBreaker := rt.Policy(baldur.Spec{Name: "grpc-health", Method: "bench.Health.Check", Retry: true, Breaker: "grpc-health"})
	withTimeout := rt.Policy(baldur.Spec{Name: "grpc-health-timeout", Method: "bench.Health.CheckT", Retry: true,
		Breaker: "grpc-health", Timeout: 1e9})
	b.Run("bare", func(b *testing.B) {
		each(b, false, func() int64 { return must(call(ctx)) })
	})
	b.Run("baldur", func(b *testing.B) {
		each(b, false, func() int64 { return must(retryBreaker.Do(ctx, nil, call)) })
	})
	b.Run("baldur+timeout", func(b *testing.B) {
		each(b, false, func() int64 { return must(withTimeout.Do(ctx, nil, call)) })
	})
}

// The same calls paired: each iteration makes a bare call and a protected
// one, in alternating order, and times each, so that load from elsewhere on
// the machine falls on both alike. Reported as bare-ns/op and baldur-ns/op.
func BenchmarkClientsGRPCUnaryPaired(b *testing.B) {
	c := grpcHealth(b)
	rt := newRuntime(b)
	req := &healthpb.HealthCheckRequest{}
	call := func(ctx context.Context) error {
		_, err := c.Check(ctx, req)
		return err
	}
	p := rt.Policy(baldur.Spec{Name: "grpc-health", Method: "bench.Health.Check", Retry: true, Breaker: "grpc-health"})
	var bare, protected time.Duration
	timed := func(f func() error) time.Duration {
		start := time.Now()
		must(f())
		return time.Since(start)
	}
	n := 0
	for b.Loop() {
		if n++; n%2 == 0 {
			bare += timed(func() error { return call(ctx) })
			protected += timed(func() error { return p.Do(ctx, nil, call) })
		} else {
			protected += timed(func() error { return p.Do(ctx, nil, call) })
			bare += timed(func() error { return call(ctx) })
		}
	}
	b.ReportMetric(float64(bare.Nanoseconds())/float64(n), "bare-ns/op")
	b.ReportMetric(float64(protected.Nanoseconds())/float64(n), "baldur-ns/op")
	b.ReportMetric(float64(protected-bare)/float64(n), "overhead-ns/op")
}
