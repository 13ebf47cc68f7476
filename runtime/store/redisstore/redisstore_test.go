package redisstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/redisstore"
	"github.com/baldur-go/baldur/runtime/store/storetest"
)

const envAddr = "BALDUR_TEST_REDIS_ADDR"

// client connects to the test Redis, skipping when none is configured and
// failing when the configured one does not answer.
func client(t testing.TB) *redis.Client {
	t.Helper()
	addr := testenv.Env(t, envAddr, "the Redis store tests (e.g. 127.0.0.1:6379)")
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("%s=%s does not answer: %v", envAddr, addr, err)
	}
	return c
}

// freshPrefix returns a key prefix no other test uses and deletes its keys
// when the test ends.
func freshPrefix(t testing.TB, c *redis.Client) string {
	prefix := "baldur-test:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return prefix
}

func TestConformance(t *testing.T) {
	c := client(t)
	storetest.Run(t, storetest.Backend{
		Open: func(t testing.TB) (baldur.IdempotencyStore, string) {
			p := freshPrefix(t, c)
			return redisstore.New(c, redisstore.WithPrefix(p)), p
		},
		Attach: func(t testing.TB, prefix string) baldur.IdempotencyStore {
			return redisstore.New(client(t), redisstore.WithPrefix(prefix))
		},
	})
}

// counter is a go-redis hook that counts commands sent, pipelines apart.
type counter struct {
	cmds, pipes atomic.Int64
}

func (h *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.cmds.Add(1)
		return next(ctx, cmd)
	}
}
func (h *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.pipes.Add(1)
		return next(ctx, cmds)
	}
}

func (h *counter) take() int64 { return h.cmds.Swap(0) + h.pipes.Swap(0) }

type receipt struct{ ID string }

// charger is Charge of policy charge-customer, deduplicated on s: what
// generated code does for idempotency_key=key.
type charger struct{ p *baldur.Policy }

func newCharger(t testing.TB, s baldur.IdempotencyStore, idem baldur.IdempotencyConfig) charger {
	t.Helper()
	rt, err := baldur.New(baldur.WithIdempotencyStore(s), baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: idem}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return charger{rt.Policy(baldur.Spec{Name: "charge-customer", Method: "redisstore_test.Gateway.Charge", Dedupe: true})}
}

func (c charger) charge(ctx context.Context, key string, calls *atomic.Int64) (receipt, error) {
	return baldur.Idempotent(ctx, c.p, key, struct{ Amount int64 }{100},
		func(context.Context) (receipt, error) { calls.Add(1); return receipt{ID: rand.Text()}, nil })
}

func ptr[T any](v T) *T { return &v }

// A first call costs one round trip to claim and one to complete; a
// duplicate costs one. (EVALSHA falls back to EVAL once per script per
// server; the warm-up call pays that.)
func TestRoundTrips(t *testing.T) {
	addr := client(t).Options().Addr
	// With ContextTimeoutEnabled the store bounds its operations, and a
	// caller whose context cannot be cancelled makes the call on its own
	// goroutine: the same round trips.
	for _, bounded := range []bool{false, true} {
		c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: bounded})
		t.Cleanup(func() { c.Close() })
		h := &counter{}
		c.AddHook(h)
		s := redisstore.New(c, redisstore.WithPrefix(freshPrefix(t, c)))
		if s.BoundedByContext() != bounded {
			t.Fatalf("BoundedByContext() = %v with ContextTimeoutEnabled %v", s.BoundedByContext(), bounded)
		}
		e := newCharger(t, s, baldur.IdempotencyConfig{RenewEvery: baldur.Set(time.Duration(0))})
		ctx := context.Background()
		var calls atomic.Int64
		if _, err := e.charge(ctx, "warm-up", &calls); err != nil {
			t.Fatal(err)
		}
		h.take()
		first, err := e.charge(ctx, "o-1", &calls)
		if err != nil {
			t.Fatal(err)
		}
		if n := h.take(); n != 2 {
			t.Errorf("bounded %v: first call: %d round trips, want 2 (claim, complete)", bounded, n)
		}
		again, err := e.charge(ctx, "o-1", &calls)
		if err != nil || again != first {
			t.Fatalf("bounded %v: duplicate = %+v, %v; want %+v", bounded, again, err, first)
		}
		if n := h.take(); n != 1 {
			t.Errorf("bounded %v: duplicate: %d round trips, want 1 (claim returns the record)", bounded, n)
		}
		if calls.Load() != 2 {
			t.Fatalf("bounded %v: inner ran %d times, want 2", bounded, calls.Load())
		}
	}
}

// A Redis that does not answer gives a typed store error within the store
// timeout, and the call does not run.
func TestUnreachable(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	e := newCharger(t, redisstore.New(c), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(500 * time.Millisecond)})
	var calls atomic.Int64
	start := time.Now()
	_, err := e.charge(context.Background(), "o-1", &calls)
	var se *baldur.StoreError
	if !errors.Is(err, baldur.ErrIdempotencyStore) || !errors.As(err, &se) || se.Op != "claim" {
		t.Fatalf("err = %v, want a claim *StoreError", err)
	}
	if calls.Load() != 0 {
		t.Fatal("the call ran without a claim")
	}
	t.Logf("failed after %v: %v", time.Since(start), err)
}

// X4: Redis keys are the prefix and a sha256; the caller's key text
// appears in no key name.
func TestKeysHoldNoUserText(t *testing.T) {
	c := client(t)
	prefix := freshPrefix(t, c)
	e := newCharger(t, redisstore.New(c, redisstore.WithPrefix(prefix)), baldur.IdempotencyConfig{})
	ctx := baldur.WithTenant(context.Background(), "tenant-a")
	var calls atomic.Int64
	for _, k := range []string{"order 42 for alice@example.com", "o-1", strings.Repeat("x", 255)} {
		if _, err := e.charge(ctx, k, &calls); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys %q, %v; want 3", keys, err)
	}
	want := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + "[0-9a-f]{64}$")
	for _, k := range keys {
		if !want.MatchString(k) {
			t.Errorf("key %q is not prefix+sha256", k)
		}
	}
}

// A record that is not ours to read is a store error, never overwritten
// (Powertools test_redis_key_corrupted).
func TestCorruptedRecord(t *testing.T) {
	c := client(t)
	prefix := freshPrefix(t, c)
	e := newCharger(t, redisstore.New(c, redisstore.WithPrefix(prefix)), baldur.IdempotencyConfig{})
	ctx := context.Background()
	k := prefix + storetest.StoreKey("", "", "charge-customer", "o-1")
	if err := c.Set(ctx, k, "{not a record", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	if _, err := e.charge(ctx, "o-1", &calls); !errors.Is(err, baldur.ErrIdempotencyStore) || calls.Load() != 0 {
		t.Fatalf("err = %v after %d runs, want ErrStore and no run", err, calls.Load())
	}
	if v, _ := c.Get(ctx, k).Result(); v != "{not a record" {
		t.Fatalf("the corrupted record was overwritten with %q", v)
	}
}

// Redis expires a record only after the engine would: its PX is the
// record's remaining life plus the grace period.
func TestPhysicalExpiry(t *testing.T) {
	c := client(t)
	prefix := freshPrefix(t, c)
	s := redisstore.New(c, redisstore.WithPrefix(prefix), redisstore.WithGrace(time.Minute))
	ctx, now := context.Background(), time.Now()
	rec := baldur.IdempotencyRecord{State: baldur.RecordInFlight, Token: rand.Text(), Fingerprint: "f", Expires: now.Add(30 * time.Second)}
	if _, claimed, err := s.Claim(ctx, "k", rec, now); err != nil || !claimed {
		t.Fatal(claimed, err)
	}
	ttl, err := c.PTTL(ctx, prefix+"k").Result()
	if err != nil || ttl <= 30*time.Second || ttl > 90*time.Second {
		t.Fatalf("PTTL = %v, %v; want within (30s, 90s]", ttl, err)
	}
}
