package redisbaldur_test

import (
	"context"
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

// With go-redis's defaults one call to a dead address dials 20 times (4
// tries of 5 dials), and under a deadline shorter than its dial backoff
// the caller gets "context deadline exceeded": the refused connection is
// gone, so neither the mesh switch nor a reader of the error can see it.
func TestDeadAddressWithGoRedisDefaults(t *testing.T) {
	addr := deadAddr(t)
	var dials atomic.Int32
	// A 1 ms dial backoff keeps the count and spares the test go-redis's
	// 100 ms waits.
	c := newClient(t, &redis.Options{Addr: addr, Dialer: countingDialer(&dials), DialerRetryTimeout: time.Millisecond})
	err := c.Get(bg, "k").Err()
	if n := dials.Load(); n != 20 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("%d dials, err %v; expected go-redis's 20 dials", n, err)
	}

	// Its 5 dials 100 ms apart outlast a 300 ms deadline every time.
	slow := newClient(t, &redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	err = slow.Get(ctx, "k").Err()
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) || baldur.IsConnectionError(err) {
		t.Fatalf("err %v; expected the refusal hidden behind context deadline exceeded", err)
	}
}

// Configured, a dead address costs one dial per Baldur attempt, the error
// is the refusal, and the mesh switch applies to it.
func TestDeadAddressConfiguredFailsFast(t *testing.T) {
	addr := deadAddr(t)
	var dials atomic.Int32
	c := newClient(t, redisbaldur.Configure(&redis.Options{Addr: addr, Dialer: countingDialer(&dials)}))
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	err := c.Get(ctx, "k").Err()
	if n := dials.Swap(0); n != 1 || !errors.Is(err, syscall.ECONNREFUSED) || !baldur.IsConnectionError(err) {
		t.Fatalf("%d dials, err %v; want 1 dial and the refused connection", n, err)
	}
	if d := redisbaldur.Classify(baldur.PolicyContext{}, err); d != baldur.DecideDefault {
		t.Fatalf("Classify(refused) = %v, want default (the runtime's)", d)
	}

	get := func(p *baldur.Policy) error {
		return p.Do(bg, nil, func(ctx context.Context) error { return c.Get(ctx, "k").Err() })
	}
	rt := newRuntime(t, noDelay)
	get(rt.Policy(baldur.Spec{Name: "cache", Method: "t.Cache.Get", Retry: true, Attempts: 3}))
	if n := dials.Swap(0); n != 3 {
		t.Fatalf("3 Baldur attempts made %d dials, want 3", n)
	}
	mesh := newRuntime(t, noDelay+"mesh: {owns_network_retries: true}\n")
	p := mesh.Policy(baldur.Spec{Name: "cache", Method: "t.Cache.Get", Retry: true, Attempts: 3, Breaker: "cache"})
	if err := get(p); !errors.Is(err, syscall.ECONNREFUSED) || dials.Load() != 1 || p.Breaker().Metrics().Failures != 1 {
		t.Fatalf("mesh owns network retries: %d dials, err %v; want 1 counted refusal", dials.Load(), err)
	}
}
