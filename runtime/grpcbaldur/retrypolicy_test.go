package grpcbaldur_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
)

// retryServiceConfig turns on grpc-go's own retries for the health
// service: 3 attempts on UNAVAILABLE, as a service config published by the
// server's owners (or set with WithDefaultServiceConfig) would.
const retryServiceConfig = `{"methodConfig": [{
  "name": [{"service": "grpc.health.v1.Health"}],
  "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}`

// grpc-go retries inside each of Baldur's attempts when a service config
// has a retryPolicy: 3 × 3 = 9 calls reach the server. Without one it
// makes a single attempt (only a call that never left the client is
// retried transparently), and WithDisableRetry makes that explicit and
// ignores a service config that the name resolver might deliver later.
func TestGRPCRetryPolicyMultipliesAttempts(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []grpc.DialOption
		want int32
	}{
		{"retry policy", []grpc.DialOption{grpc.WithDefaultServiceConfig(retryServiceConfig)}, 9},
		{"no service config", nil, 3},
		{"retry policy, WithDisableRetry", []grpc.DialOption{grpc.WithDefaultServiceConfig(retryServiceConfig), grpc.WithDisableRetry()}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := failing(t, status.Error(codes.Unavailable, "overloaded"))
			rt := newRuntime(t, noDelay)
			p := rt.Policy(baldur.Spec{Name: "dep", Method: "t.Health.Check", Retry: true, Attempts: 3})
			check(bg, p, client(t, s.addr, c.opts...))
			if n := s.calls.Load(); n != c.want {
				t.Fatalf("%d calls reached the server, want %d", n, c.want)
			}
		})
	}
}
