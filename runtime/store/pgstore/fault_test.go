package pgstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/internal/fault"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// The idempotency suite under faults between the runtime and PostgreSQL: a
// TCP proxy stalls at the claim and before the completing write, cuts an
// idle connection, and stalls 1 s under 500 callers of one key. Each ends
// as docs/idempotency.md says, nothing hangs, and no goroutine outlives
// the test.

// faultGateway is Charge on a runtime of its own whose records live in
// store.
type faultGateway struct {
	p     *baldur.Policy
	calls atomic.Int64
	gate  chan struct{}
	start chan struct{}
	dups  atomic.Int64
}

func newFaultGateway(t *testing.T, store baldur.IdempotencyStore, idem baldur.IdempotencyConfig) *faultGateway {
	t.Helper()
	g := &faultGateway{}
	rt, err := baldur.New(baldur.WithIdempotencyStore(store), baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: idem}}),
		baldur.WithObserver(func(ev baldur.Event) {
			if ev.Kind == baldur.EventDuplicate {
				g.dups.Add(1)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	g.p = rt.Policy(baldur.Spec{Name: "charge-customer", Method: "pgstore_test.Gateway.Charge", Dedupe: true})
	return g
}

type chargeOutcome struct {
	r   receipt
	err error
}

func (g *faultGateway) goCharge(key string) <-chan chargeOutcome {
	ch := make(chan chargeOutcome, 1)
	go func() {
		r, err := baldur.Idempotent(context.Background(), g.p, key, struct{ Amount int64 }{100}, func(context.Context) (receipt, error) {
			g.calls.Add(1)
			if g.start != nil {
				g.start <- struct{}{}
			}
			if g.gate != nil {
				<-g.gate
			}
			return receipt{ID: rand.Text()}, nil
		})
		ch <- chargeOutcome{r, err}
	}()
	return ch
}

func within[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("the call hangs")
		var zero T
		return zero
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) { // polling for a state
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

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
	g := newFaultGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond), Lease: baldur.Set(2 * time.Second)})
	p.Stall()
	o := within(t, g.goCharge("o-1"))
	var se *baldur.StoreError
	if !errors.As(o.err, &se) || se.Op != "claim" || !errors.Is(o.err, context.DeadlineExceeded) || g.calls.Load() != 0 {
		t.Fatalf("stalled at the claim: %v after %d runs; want a claim *StoreError for the store timeout, no run", o.err, g.calls.Load())
	}
	p.Resume()
	eventually(t, "a call runs", func() bool {
		o := within(t, g.goCharge("o-1"))
		return o.err == nil && g.calls.Load() == 1
	})
}

// The same with a store that bounds its operations by their context
// (WithBoundedByContext), on which a caller whose context cannot be
// cancelled makes the call on its own goroutine.
func TestFaultStallAtClaimOnTheCallersGoroutine(t *testing.T) {
	store, p := idemBehindProxy(t, 2, pgstore.WithBoundedByContext())
	defer leakCheck(t)()
	g := newFaultGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond), Lease: baldur.Set(2 * time.Second)})
	p.Stall()
	o := within(t, g.goCharge("o-1"))
	var se *baldur.StoreError
	if !errors.As(o.err, &se) || se.Op != "claim" || g.calls.Load() != 0 {
		t.Fatalf("stalled at the claim: %v after %d runs; want a claim *StoreError, no run", o.err, g.calls.Load())
	}
	p.Resume()
	eventually(t, "a call runs", func() bool {
		o := within(t, g.goCharge("o-1"))
		return o.err == nil && g.calls.Load() == 1
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
	cfg := baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)}
	g := newFaultGateway(t, store, cfg)
	g.gate, g.start = make(chan struct{}), make(chan struct{}, 1)
	ch := g.goCharge("o-1")
	<-g.start
	p.Stall()
	close(g.gate)
	o := within(t, ch)
	if !errors.Is(o.err, baldur.ErrNotRecorded) || !errors.Is(o.err, baldur.ErrIdempotencyStore) || o.r.ID == "" {
		t.Fatalf("stalled before the completing write: %+v, %v; want the real result and ErrNotRecorded", o.r, o.err)
	}
	g.gate = nil
	if again := within(t, g.goCharge("o-1")); again.err != nil || again.r != o.r {
		t.Fatalf("duplicate in the same runtime: %+v, %v; want %+v", again.r, again.err, o.r)
	}
	p.Resume()
	cfg.InFlight = baldur.Set(baldur.InFlightFail)
	other := newFaultGateway(t, store, cfg)
	again := within(t, other.goCharge("o-1"))
	if (again.err != nil || again.r != o.r) && !errors.Is(again.err, baldur.ErrInFlight) || other.calls.Load() != 0 {
		t.Fatalf("duplicate in another runtime: %+v, %v after %d runs; want %+v or ErrInFlight", again.r, again.err, other.calls.Load(), o.r)
	}
	if n := g.calls.Load(); n != 1 {
		t.Fatalf("the method ran %d times, want once", n)
	}
}

// An idle connection cut by the network: the next call goes through, or
// gets a claim *StoreError without running; either way the call after it
// runs, and nothing is left claimed.
func TestFaultCutIdleConnection(t *testing.T) {
	store, p := idemBehindProxy(t, 1)
	defer leakCheck(t)()
	g := newFaultGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(time.Second)})
	if o := within(t, g.goCharge("warm")); o.err != nil {
		t.Fatal(o.err)
	}
	p.CutAll()
	o := within(t, g.goCharge("o-1"))
	var se *baldur.StoreError
	switch {
	case o.err == nil && g.calls.Load() == 2:
	case errors.As(o.err, &se) && se.Op == "claim" && g.calls.Load() == 1:
		if o := within(t, g.goCharge("o-1")); o.err != nil || g.calls.Load() != 2 {
			t.Fatalf("the call after a failed claim: %v after %d runs; want it to run", o.err, g.calls.Load())
		}
	default:
		t.Fatalf("after the cut: %v after %d runs; want the call through, or a claim *StoreError and no run", o.err, g.calls.Load())
	}
}

// 500 callers of one key while the network stalls for 1 s, less than the
// store timeout: they all wait on the one call, which claims once the
// network is back; the method runs once and every caller gets its result.
func TestFaultFiveHundredCallersThroughAStall(t *testing.T) {
	store, p := idemBehindProxy(t, 2)
	defer leakCheck(t)()
	g := newFaultGateway(t, store, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(2 * time.Second)})
	p.Stall()
	stalled := time.After(time.Second) // the fault's length, not a wait for a state
	var (
		wg   sync.WaitGroup
		outs = make(chan chargeOutcome, 500)
	)
	for range 500 {
		wg.Go(func() { outs <- <-g.goCharge("o-1") })
	}
	eventually(t, "499 callers join the first", func() bool { return g.dups.Load() == 499 })
	<-stalled
	p.Resume()
	wg.Wait()
	close(outs)
	var first *receipt
	for o := range outs {
		if o.err != nil {
			t.Fatalf("a caller got %v", o.err)
		}
		if first == nil {
			first = &o.r
		} else if o.r != *first {
			t.Fatalf("callers got %+v and %+v", o.r, *first)
		}
	}
	if n := g.calls.Load(); n != 1 {
		t.Fatalf("the method ran %d times, want once", n)
	}
}
