package grpcbaldur_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// Servers, client connections and the runtime's timers end with each test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

// server is a gRPC health service on 127.0.0.1. Its Check fails with what
// fail returns for the n-th call (1-based), and answers SERVING on nil;
// Watch returns what watch returns.
type server struct {
	addr  string
	calls atomic.Int32
	fail  func(ctx context.Context, n int) error
	watch func() error
	srv   *grpc.Server
	healthpb.UnimplementedHealthServer
}

func (s *server) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	n := int(s.calls.Add(1))
	if s.fail != nil {
		if err := s.fail(ctx, n); err != nil {
			return nil, err
		}
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (s *server) Watch(_ *healthpb.HealthCheckRequest, _ healthpb.Health_WatchServer) error {
	return s.watch()
}

// startServer serves s on a free loopback port until the test ends.
func startServer(t *testing.T, s *server, opts ...grpc.ServerOption) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	s.srv = srv
	healthpb.RegisterHealthServer(srv, s)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("Serve: %v", err)
		}
	})
	s.addr = l.Addr().String()
	return s
}

// failing is a server whose Check fails with err every time.
func failing(t *testing.T, err error) *server {
	return startServer(t, &server{fail: func(context.Context, int) error { return err }})
}

// client is a health client of addr, closed when the test ends.
func client(t *testing.T, addr string, opts ...grpc.DialOption) healthpb.HealthClient {
	t.Helper()
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient("passthrough:///"+addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return healthpb.NewHealthClient(conn)
}

// deadAddr is a loopback address nobody listens on any more.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// newRuntime is a runtime on config, its timers stopped with the test.
func newRuntime(t *testing.T, config string, opts ...baldur.Option) *baldur.Runtime {
	return baldurtest.NewRuntime(t, append(opts, baldur.WithConfigYAML([]byte(config)))...)
}

// noDelay retries at once, so tests on the real clock do not wait.
const noDelay = `
defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  dep: {size: 10, minimum_calls: 10}
`

// check makes one protected Check through p.
func check(ctx context.Context, p *baldur.Policy, c healthpb.HealthClient) error {
	return p.Do(ctx, nil, func(ctx context.Context) error {
		_, err := c.Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	})
}

// stopServer stops the server now, as a crash would for its clients.
func stopServer(t *testing.T, s *server) {
	t.Helper()
	s.srv.Stop()
}
