package redisstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/baldur-go/baldur/internal/testenv"
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
	g := storetest.NewGateway(t, redisstore.New(c), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)})
	r.Pause()
	o := storetest.Within(t, g.GoCharge("o-1"))
	storetest.WantClaimRefused(t, g, o)
	if !errors.Is(o.Err, context.DeadlineExceeded) {
		t.Fatalf("paused at the claim: %v; want the store timeout", o.Err)
	}
	r.Resume()
	testenv.Eventually(t, "the late claim is released", func() bool { _, ok := recordOf(t, check, "o-1"); return !ok })
	if o := storetest.Within(t, g.GoCharge("o-1")); o.Err != nil || g.Calls.Load() != 1 {
		t.Fatalf("after the pause: %v after %d runs; want one run", o.Err, g.Calls.Load())
	}
}

// Paused while the method runs, so that the completing write hangs: the
// caller gets its real result and ErrNotRecorded within the store timeout.
// Once the server resumes, the record is completed (the write sent before
// the pause landed) or still in flight until its lease ends (it did not).
func TestFaultPauseBeforeComplete(t *testing.T) {
	r, c, check := faultRedis(t, redis.Options{ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	storetest.FaultBeforeComplete(t, redisstore.New(c), storetest.Fault{Begin: r.Pause, End: r.Resume},
		func() bool { _, ok := recordOf(t, check, "o-1"); return ok })
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
	g := storetest.NewGateway(t, redisstore.New(c), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(time.Second)})
	g.Gate, g.Start = make(chan struct{}), make(chan struct{}, 1)
	ch := g.GoCharge("o-1")
	<-g.Start
	r.Restart()
	close(g.Gate)
	o := storetest.Within(t, ch)
	if !errors.Is(o.Err, baldur.ErrNotRecorded) || o.R.ID == "" {
		t.Fatalf("restarted before the completing write: %+v, %v; want the real result and ErrNotRecorded", o.R, o.Err)
	}
	g.Gate = nil
	if again := storetest.Within(t, g.GoCharge("o-1")); again.Err != nil || again.R != o.R || g.Calls.Load() != 1 {
		t.Fatalf("duplicate in the same runtime: %+v, %v after %d runs; want %+v", again.R, again.Err, g.Calls.Load(), o.R)
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
			g := storetest.NewGateway(t, redisstore.New(c), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(time.Second)})
			prefix := rand.Text()
			if o := storetest.Within(t, g.GoCharge(prefix+"warm")); o.Err != nil {
				t.Fatal(o.Err)
			}
			if p.Conns() == 0 {
				t.Fatal("no idle connection to cut")
			}
			p.CutAll()
			o := storetest.Within(t, g.GoCharge(prefix+"o-1"))
			var se *baldur.StoreError
			switch {
			case o.Err == nil && g.Calls.Load() == 2:
			case errors.As(o.Err, &se) && se.Op == "claim" && g.Calls.Load() == 1:
				testenv.Eventually(t, "nothing is left claimed", func() bool { _, ok := recordOf(t, check, prefix+"o-1"); return !ok })
				if o := storetest.Within(t, g.GoCharge(prefix+"o-1")); o.Err != nil || g.Calls.Load() != 2 {
					t.Fatalf("retries %d: the call after a failed claim: %v after %d runs; want it to run", retries, o.Err, g.Calls.Load())
				}
			default:
				t.Fatalf("retries %d: after the cut: %v after %d runs; want the call through, or a claim *StoreError and no run", retries, o.Err, g.Calls.Load())
			}
		}()
	}
}

// 500 callers of one key while the server is paused for 1 s: the method
// runs once and every caller gets its result.
func TestFaultFiveHundredCallersThroughAPause(t *testing.T) {
	r, c, _ := faultRedis(t, redis.Options{})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	storetest.ManyCallersThroughAFault(t, redisstore.New(c), storetest.Fault{Begin: r.Pause, End: r.Resume})
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
	g := storetest.NewGateway(t, redisstore.New(c), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)})
	r.Pause()
	storetest.WantClaimRefused(t, g, storetest.Within(t, g.GoCharge("o-1")))
	r.Resume()
	testenv.Eventually(t, "the claim is released", func() bool { _, ok := recordOf(t, check, "o-1"); return !ok })
	if o := storetest.Within(t, g.GoCharge("o-1")); o.Err != nil || g.Calls.Load() != 1 {
		t.Fatalf("after the pause: %v after %d runs; want one run", o.Err, g.Calls.Load())
	}
}
