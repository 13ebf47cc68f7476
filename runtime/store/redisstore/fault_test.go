package redisstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/internal/fault"
	"github.com/baldur-go/baldur/runtime/store/redisstore"
	"github.com/baldur-go/baldur/runtime/store/storetest"
)

// The idempotency suite under faults of a private redis-server: paused
// (SIGSTOP) at the claim and before the completing write, restarted
// between them, an idle connection cut, and 500 callers on one key through
// a pause. Each ends as docs/idempotency.md says, nothing hangs, and no
// goroutine outlives the test.

// faultGateway is Charge on a runtime of its own whose records live in the
// redis-server behind c.
type faultGateway struct {
	p     *baldur.Policy
	calls atomic.Int64
	gate  chan struct{} // when not nil, a call waits for it to close
	start chan struct{} // when not nil, receives when a call starts
	dups  atomic.Int64  // EventDuplicate seen
}

func newFaultGateway(t *testing.T, c redis.UniversalClient, idem baldur.IdempotencyConfig) *faultGateway {
	t.Helper()
	g := &faultGateway{}
	rt, err := baldur.New(baldur.WithIdempotencyStore(redisstore.New(c)), baldur.WithLogger(slog.New(slog.DiscardHandler)),
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
	g.p = rt.Policy(baldur.Spec{Name: "charge-customer", Method: "redisstore_test.Gateway.Charge", Dedupe: true})
	return g
}

func (g *faultGateway) charge(ctx context.Context, key string) (receipt, error) {
	return baldur.Idempotent(ctx, g.p, key, struct{ Amount int64 }{100}, func(context.Context) (receipt, error) {
		g.calls.Add(1)
		if g.start != nil {
			g.start <- struct{}{}
		}
		if g.gate != nil {
			<-g.gate
		}
		return receipt{ID: rand.Text()}, nil
	})
}

type chargeOutcome struct {
	r   receipt
	err error
}

func (g *faultGateway) goCharge(key string) <-chan chargeOutcome {
	ch := make(chan chargeOutcome, 1)
	go func() {
		r, err := g.charge(context.Background(), key)
		ch <- chargeOutcome{r, err}
	}()
	return ch
}

// within fails the test when ch yields nothing in a while: a call hangs.
func within[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("the call hangs")
		var zero T
		return zero
	}
}

// recordOf reads key's record straight from the server, as redisstore
// writes it.
func recordOf(t *testing.T, c *redis.Client, key string) (string, bool) {
	t.Helper()
	v, err := c.Get(context.Background(), redisstore.DefaultPrefix+storetest.StoreKey("", "", "charge-customer", key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) { // polling for a state
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// faultRedis starts a private redis-server and a client of it with the
// given options (its address filled in); goroutines started after it must
// be gone when the test ends.
func faultRedis(t *testing.T, opts redis.Options) (*fault.Redis, *redis.Client, *redis.Client) {
	r := fault.StartRedis(t)
	opts.Addr = r.Addr()
	c := redis.NewClient(&opts)
	check := redis.NewClient(&redis.Options{Addr: r.Addr()})
	t.Cleanup(func() { c.Close(); check.Close() })
	return r, c, check
}

// Paused at the claim, with a client that has no timeouts of its own: the
// call gets a claim *StoreError within the store timeout and does not run;
// once the server resumes, the claim it had sent lands and is released, so
// the key is free at once.
func TestFaultPauseAtClaim(t *testing.T) {
	r, c, check := faultRedis(t, redis.Options{ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newFaultGateway(t, c, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)})
	r.Pause()
	o := within(t, g.goCharge("o-1"))
	var se *baldur.StoreError
	if !errors.As(o.err, &se) || se.Op != "claim" || !errors.Is(o.err, context.DeadlineExceeded) || g.calls.Load() != 0 {
		t.Fatalf("paused at the claim: %+v, %v after %d runs; want a claim *StoreError for the store timeout, no run", o.r, o.err, g.calls.Load())
	}
	r.Resume()
	eventually(t, "the late claim is released", func() bool { _, ok := recordOf(t, check, "o-1"); return !ok })
	if o := within(t, g.goCharge("o-1")); o.err != nil || g.calls.Load() != 1 {
		t.Fatalf("after the pause: %v after %d runs; want one run", o.err, g.calls.Load())
	}
}

// Paused while the method runs, so that the completing write hangs: the
// caller gets its real result and ErrNotRecorded within the store timeout;
// a duplicate in the same runtime gets that result. Once the server
// resumes, the record is completed (the write sent before the pause
// landed) or still in flight until its lease ends (it did not): another
// runtime gets the result or ErrInFlight, and the method never runs again.
func TestFaultPauseBeforeComplete(t *testing.T) {
	r, c, check := faultRedis(t, redis.Options{ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)}
	g := newFaultGateway(t, c, cfg)
	g.gate, g.start = make(chan struct{}), make(chan struct{}, 1)
	ch := g.goCharge("o-1")
	<-g.start
	r.Pause()
	close(g.gate)
	o := within(t, ch)
	if !errors.Is(o.err, baldur.ErrNotRecorded) || !errors.Is(o.err, baldur.ErrIdempotencyStore) || o.r.ID == "" {
		t.Fatalf("paused before the completing write: %+v, %v; want the real result and ErrNotRecorded", o.r, o.err)
	}
	g.gate = nil
	if again := within(t, g.goCharge("o-1")); again.err != nil || again.r != o.r {
		t.Fatalf("duplicate in the same runtime: %+v, %v; want %+v", again.r, again.err, o.r)
	}
	r.Resume()
	eventually(t, "the server answers", func() bool { _, ok := recordOf(t, check, "o-1"); return ok })
	cfg.InFlight = baldur.Set(baldur.InFlightFail)
	other := newFaultGateway(t, c, cfg)
	again := within(t, other.goCharge("o-1"))
	if (again.err != nil || again.r != o.r) && !errors.Is(again.err, baldur.ErrInFlight) || other.calls.Load() != 0 {
		t.Fatalf("duplicate in another runtime: %+v, %v after %d runs; want %+v or ErrInFlight", again.r, again.err, other.calls.Load(), o.r)
	}
	if n := g.calls.Load(); n != 1 {
		t.Fatalf("the method ran %d times, want once", n)
	}
}

// Restarted, empty, between the claim and the completing write: the record
// is gone, so the write is refused as for a lost lease; the caller gets its
// real result and ErrNotRecorded, and a duplicate in the same runtime gets
// that result. (Another runtime would run the method again: nothing of
// the record survived, as docs/idempotency.md's "at least once" says.)
func TestFaultRestartBetweenClaimAndComplete(t *testing.T) {
	r, c, _ := faultRedis(t, redis.Options{})
	// The restarted server's process is the harness's, reaped at cleanup.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("github.com/baldur-go/baldur/runtime/store/internal/fault.startProcess.func1"),
		goleak.IgnoreAnyFunction("os/exec.(*Cmd).Start.func2"))
	g := newFaultGateway(t, c, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(time.Second)})
	g.gate, g.start = make(chan struct{}), make(chan struct{}, 1)
	ch := g.goCharge("o-1")
	<-g.start
	r.Restart()
	close(g.gate)
	o := within(t, ch)
	if !errors.Is(o.err, baldur.ErrNotRecorded) || o.r.ID == "" {
		t.Fatalf("restarted before the completing write: %+v, %v; want the real result and ErrNotRecorded", o.r, o.err)
	}
	g.gate = nil
	if again := within(t, g.goCharge("o-1")); again.err != nil || again.r != o.r || g.calls.Load() != 1 {
		t.Fatalf("duplicate in the same runtime: %+v, %v after %d runs; want %+v", again.r, again.err, g.calls.Load(), o.r)
	}
}

// An idle connection cut by the network: the next call goes through on a
// new connection (go-redis checks a pooled connection before use, and
// retries a command that failed on a broken one), or, if the break shows
// only on the claim, gets a claim *StoreError without running, and the
// claim is released. Either way nothing is left claimed and the next call
// runs, with go-redis's retries or without.
func TestFaultCutIdleConnection(t *testing.T) {
	r := fault.StartRedis(t)
	p := fault.NewProxy(t, r.Addr())
	check := redis.NewClient(&redis.Options{Addr: r.Addr()})
	defer check.Close()
	for _, retries := range []int{0, -1} { // go-redis's default, and none
		c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: retries})
		func() {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			defer c.Close()
			g := newFaultGateway(t, c, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(time.Second)})
			prefix := rand.Text()
			if o := within(t, g.goCharge(prefix+"warm")); o.err != nil {
				t.Fatal(o.err)
			}
			if p.Conns() == 0 {
				t.Fatal("no idle connection to cut")
			}
			p.CutAll()
			o := within(t, g.goCharge(prefix+"o-1"))
			var se *baldur.StoreError
			switch {
			case o.err == nil && g.calls.Load() == 2:
			case errors.As(o.err, &se) && se.Op == "claim" && g.calls.Load() == 1:
				eventually(t, "nothing is left claimed", func() bool { _, ok := recordOf(t, check, prefix+"o-1"); return !ok })
				if o := within(t, g.goCharge(prefix+"o-1")); o.err != nil || g.calls.Load() != 2 {
					t.Fatalf("retries %d: the call after a failed claim: %v after %d runs; want it to run", retries, o.err, g.calls.Load())
				}
			default:
				t.Fatalf("retries %d: after the cut: %v after %d runs; want the call through, or a claim *StoreError and no run", retries, o.err, g.calls.Load())
			}
		}()
	}
}

// 500 callers of one key while the server is paused for 1 s, less than
// the store timeout: they all wait on the one call, which claims the key
// once the server resumes; the method runs once and every caller gets its
// result.
func TestFaultFiveHundredCallersThroughAPause(t *testing.T) {
	r, c, _ := faultRedis(t, redis.Options{})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newFaultGateway(t, c, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(2 * time.Second)})
	r.Pause()
	paused := time.After(time.Second) // the fault's length, not a wait for a state
	var (
		wg   sync.WaitGroup
		outs = make(chan chargeOutcome, 500)
	)
	for range 500 {
		wg.Go(func() {
			r, err := g.charge(context.Background(), "o-1")
			outs <- chargeOutcome{r, err}
		})
	}
	eventually(t, "499 callers join the first", func() bool { return g.dups.Load() == 499 })
	<-paused
	r.Resume()
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

// With a client that bounds its commands by their context's deadline
// (ContextTimeoutEnabled), a caller whose context cannot be cancelled makes
// the call on its own goroutine; paused at the claim, it gets a claim
// *StoreError within the store timeout and does not run, and once the
// server resumes the key is free again: the claim, which may have landed,
// is released.
func TestFaultPauseAtClaimOnTheCallersGoroutine(t *testing.T) {
	r, c, check := faultRedis(t, redis.Options{ContextTimeoutEnabled: true, MaxRetries: -1})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newFaultGateway(t, c, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)})
	r.Pause()
	o := within(t, g.goCharge("o-1"))
	var se *baldur.StoreError
	if !errors.As(o.err, &se) || se.Op != "claim" || g.calls.Load() != 0 {
		t.Fatalf("paused at the claim: %v after %d runs; want a claim *StoreError, no run", o.err, g.calls.Load())
	}
	r.Resume()
	eventually(t, "the claim is released", func() bool { _, ok := recordOf(t, check, "o-1"); return !ok })
	if o := within(t, g.goCharge("o-1")); o.err != nil || g.calls.Load() != 1 {
		t.Fatalf("after the pause: %v after %d runs; want one run", o.err, g.calls.Load())
	}
}
