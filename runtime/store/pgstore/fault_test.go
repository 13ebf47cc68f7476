package pgstore_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/internal/fault"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
	"github.com/baldur-go/baldur/runtime/store/storetest"
)

// The idempotency suite under faults between the runtime and PostgreSQL: a
// TCP proxy stalls at the claim and before the completing write, cuts an
// idle connection, and stalls 1 s under 500 callers of one key. Each ends
// as docs/idempotency.md says, nothing hangs, and no goroutine outlives
// the test.

// idemBehindProxy is a store in a fresh schema whose connections go through a
// new proxy, and the proxy.
func idemBehindProxy(t *testing.T, conns int, opts ...pgstore.Option) (*pgstore.Store, *fault.Proxy) {
	t.Helper()
	direct := pool(t, 1, nil)
	_, schema := freshSchema(t, direct)
	var p *fault.Proxy
	through := pool(t, conns, func(cfg *pgx.ConnConfig) {
		p = fault.NewProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
		host, port, _ := net.SplitHostPort(p.Addr())
		n, _ := strconv.Atoi(port)
		cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(n), nil
	})
	return pgstore.New(through, append(opts, pgstore.WithTable(schema, "idempotency"))...), p
}

// leakCheck fails the test if a goroutine it started outlives it. The
// proxy's own, for connections made during the test, end at its cleanup.
func leakCheck(t *testing.T) func() {
	opts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("github.com/baldur-go/baldur/runtime/store/internal/fault.(*Proxy).serve"),
		goleak.IgnoreAnyFunction("github.com/baldur-go/baldur/runtime/store/internal/fault.(*Proxy).pipe"),
	}
	return func() { goleak.VerifyNone(t, opts...) }
}

// Stalled at the claim: the call gets a claim *StoreError within the store
// timeout and does not run. Once the network is back the key is free, at
// once when the claim's release got through after it, at the latest when
// its lease ends; the next call runs, once.
func TestFaultStallAtClaim(t *testing.T) {
	store, p := idemBehindProxy(t, 2)
	defer leakCheck(t)()
	g := storetest.NewGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond), Lease: baldur.Set(2 * time.Second)})
	p.Stall()
	o := storetest.Within(t, g.GoCharge("o-1"))
	storetest.WantClaimRefused(t, g, o)
	if !errors.Is(o.Err, context.DeadlineExceeded) {
		t.Fatalf("stalled at the claim: %v; want the store timeout", o.Err)
	}
	p.Resume()
	testenv.Eventually(t, "a call runs", func() bool {
		o := storetest.Within(t, g.GoCharge("o-1"))
		return o.Err == nil && g.Calls.Load() == 1
	})
}

// The same with a store that bounds its operations by their context
// (WithBoundedByContext), on which a caller whose context cannot be
// cancelled makes the call on its own goroutine.
func TestFaultStallAtClaimOnTheCallersGoroutine(t *testing.T) {
	store, p := idemBehindProxy(t, 2, pgstore.WithBoundedByContext())
	defer leakCheck(t)()
	g := storetest.NewGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond), Lease: baldur.Set(2 * time.Second)})
	p.Stall()
	storetest.WantClaimRefused(t, g, storetest.Within(t, g.GoCharge("o-1")))
	p.Resume()
	testenv.Eventually(t, "a call runs", func() bool {
		o := storetest.Within(t, g.GoCharge("o-1"))
		return o.Err == nil && g.Calls.Load() == 1
	})
}

// Stalled while the method runs, so that the completing write hangs: the
// caller gets its real result and ErrNotRecorded within the store timeout,
// and a duplicate in the same runtime gets that result. Once the network
// is back, another runtime gets the result or ErrInFlight; the method
// never runs again.
func TestFaultStallBeforeComplete(t *testing.T) {
	store, p := idemBehindProxy(t, 2)
	defer leakCheck(t)()
	storetest.FaultBeforeComplete(t, store, storetest.Fault{Begin: p.Stall, End: p.Resume}, nil)
}

// An idle connection cut by the network: the next call goes through, or
// gets a claim *StoreError without running; either way the call after it
// runs, and nothing is left claimed.
func TestFaultCutIdleConnection(t *testing.T) {
	store, p := idemBehindProxy(t, 1)
	defer leakCheck(t)()
	g := storetest.NewGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(time.Second)})
	if o := storetest.Within(t, g.GoCharge("warm")); o.Err != nil {
		t.Fatal(o.Err)
	}
	p.CutAll()
	o := storetest.Within(t, g.GoCharge("o-1"))
	var se *baldur.StoreError
	switch {
	case o.Err == nil && g.Calls.Load() == 2:
	case errors.As(o.Err, &se) && se.Op == "claim" && g.Calls.Load() == 1:
		if o := storetest.Within(t, g.GoCharge("o-1")); o.Err != nil || g.Calls.Load() != 2 {
			t.Fatalf("the call after a failed claim: %v after %d runs; want it to run", o.Err, g.Calls.Load())
		}
	default:
		t.Fatalf("after the cut: %v after %d runs; want the call through, or a claim *StoreError and no run", o.Err, g.Calls.Load())
	}
}

// 500 callers of one key while the network stalls for 1 s: the method
// runs once and every caller gets its result.
func TestFaultFiveHundredCallersThroughAStall(t *testing.T) {
	store, p := idemBehindProxy(t, 2)
	defer leakCheck(t)()
	storetest.ManyCallersThroughAFault(t, store, storetest.Fault{Begin: p.Stall, End: p.Resume})
}
