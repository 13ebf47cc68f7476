package baldur_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// stalling is a remote store whose claims block, ignoring their context,
// until the test lets them through, as a client without timeouts blocks on
// a paused server; then they reach the memory store behind.
type stalling struct {
	baldur.IdempotencyStore
	release chan struct{}
	claims  atomic.Int64
}

func (s *stalling) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	s.claims.Add(1)
	<-s.release
	return s.IdempotencyStore.Claim(ctx, key, rec, now)
}

// The runtime bounds every store operation itself, whatever the store does
// with its context: a claim that hangs gives a claim *StoreError within the
// store timeout, and the method never runs, not even when the claim
// finally lands; the landed claim is then released with its token, so it
// does not block the key for the lease. (A store client without timeouts
// used to hang the call until the server resumed, and then run it.)
func TestStoreTimeoutIsEnforcedAndALateClaimReleased(t *testing.T) {
	mem := newMemoryStore()
	s := &stalling{IdempotencyStore: mem, release: make(chan struct{})}
	p := idemPolicy(t, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(50 * time.Millisecond)}, baldur.WithIdempotencyStore(s))
	ran := atomic.Bool{}
	done := make(chan error, 1)
	go func() {
		_, err := baldur.Idempotent(context.Background(), p, "o-1", nil, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		close(s.release)
		t.Fatal("the call hangs with its claim")
	}
	var se *baldur.StoreError
	if !errors.As(err, &se) || se.Op != "claim" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a claim *StoreError for the store timeout", err)
	}
	close(s.release) // the claim lands now
	eventually(t, "the late claim is released", func() bool {
		_, ok, _ := mem.Get(context.Background(), baldur.StoreKeyOf("", "", "p", "o-1"))
		return s.claims.Load() == 1 && !ok
	})
	if ran.Load() {
		t.Fatal("the method ran after its claim had timed out")
	}
}

// landedThenFailed is a store whose first claim is written and then
// reported as failed, as when the connection breaks before the reply.
type landedThenFailed struct {
	baldur.IdempotencyStore
	once sync.Once
}

func (s *landedThenFailed) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	cur, claimed, err := s.IdempotencyStore.Claim(ctx, key, rec, now)
	failed := false
	s.once.Do(func() { failed = true })
	if failed {
		return baldur.IdempotencyRecord{}, false, errors.New("read tcp: connection reset by peer")
	}
	return cur, claimed, err
}

// A claim that failed on its way back may have been written: the runtime
// releases it with the token it tried to write, so the next call runs at
// once instead of waiting out the lease. (It used to block the key for
// the whole lease: 8 s on Redis, 28 s on PostgreSQL.)
func TestFailedClaimIsReleasedWithItsToken(t *testing.T) {
	mem := newMemoryStore()
	p := idemPolicy(t, baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)},
		baldur.WithIdempotencyStore(&landedThenFailed{IdempotencyStore: mem}))
	ctx := context.Background()
	runs := 0
	run := func(context.Context) (int, error) { runs++; return runs, nil }
	if _, err := baldur.Idempotent(ctx, p, "o-1", nil, run); !errors.Is(err, baldur.ErrIdempotencyStore) || runs != 0 {
		t.Fatalf("first call: %v after %d runs, want a *StoreError and no run", err, runs)
	}
	eventually(t, "the landed claim is released", func() bool {
		_, ok, _ := mem.Get(ctx, baldur.StoreKeyOf("", "", "p", "o-1"))
		return !ok
	})
	if v, err := baldur.Idempotent(ctx, p, "o-1", nil, run); err != nil || v != 1 {
		t.Fatalf("next call: %d, %v; want it to run", v, err)
	}
}

// down is a store whose every operation fails at once.
type down struct {
	baldur.IdempotencyStore
	calls atomic.Int64
	err   atomic.Pointer[error]
}

func (s *down) fail() error {
	s.calls.Add(1)
	if e := s.err.Load(); e != nil {
		return *e
	}
	return nil
}

func (s *down) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	if err := s.fail(); err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	return s.IdempotencyStore.Claim(ctx, key, rec, now)
}

func (s *down) Release(ctx context.Context, key, token string) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.IdempotencyStore.Release(ctx, key, token)
}

// A store that is down fails fast: after a few failures in a row, calls
// get a *StoreError without waiting for the store, until a probe after a
// short pause finds it back. (Every call used to wait for the store.)
func TestDownStoreFailsFast(t *testing.T) {
	clock := baldurtest.NewClock(time.Now())
	s := &down{IdempotencyStore: newMemoryStore()}
	refused := errors.New("connection refused")
	s.err.Store(&refused)
	p := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(s), baldur.WithClock(clock))
	ctx := context.Background()
	call := func() error {
		_, err := baldur.Idempotent(ctx, p, "o-1", nil, func(context.Context) (int, error) { return 1, nil })
		return err
	}
	for range 5 {
		if err := call(); !errors.Is(err, refused) {
			t.Fatalf("store down: %v, want the store's error", err)
		}
	}
	eventually(t, "the failed claims are released", func() bool { return s.calls.Load() == 10 }) // 5 claims, 5 releases
	for range 100 {
		if err := call(); !errors.Is(err, baldur.ErrIdempotencyStore) {
			t.Fatalf("store known down: %v, want a *StoreError", err)
		}
	}
	if n := s.calls.Load(); n != 10 {
		t.Fatalf("%d store calls, want none after the store was found down", n-10)
	}
	clock.Advance(time.Second)
	s.err.Store(nil)
	if err := call(); err != nil {
		t.Fatalf("probe after the pause: %v, want the store back", err)
	}
	if err := call(); err != nil {
		t.Fatalf("after a good probe: %v", err)
	}
}

// Store failures are logged at Warn, at most once per policy every few
// seconds, with the number left out since the last record. (They were
// logged at Debug only, so an outage looked like nothing to operators.)
func TestStoreFailuresAreLoggedAtWarnRateLimited(t *testing.T) {
	clock := baldurtest.NewClock(time.Now())
	s := &down{IdempotencyStore: newMemoryStore()}
	refused := errors.New("connection refused")
	s.err.Store(&refused)
	var r recorder
	p := idemPolicy(t, baldur.IdempotencyConfig{}, append(r.options(), baldur.WithIdempotencyStore(s), baldur.WithClock(clock))...)
	ctx := context.Background()
	for range 20 {
		_, _ = baldur.Idempotent(ctx, p, "o-1", nil, func(context.Context) (int, error) { return 1, nil })
	}
	warns := r.logsAt(slog.LevelWarn)
	if len(warns) != 1 || attr(warns[0], "policy") != "p" || attr(warns[0], "error") == "" {
		t.Fatalf("Warn records %v, want one naming the policy and the error", warns)
	}
	clock.Advance(10 * time.Second)
	_, _ = baldur.Idempotent(ctx, p, "o-1", nil, func(context.Context) (int, error) { return 1, nil })
	warns = r.logsAt(slog.LevelWarn)
	if len(warns) != 2 || attr(warns[1], "suppressed") == "" || attr(warns[1], "suppressed") == "0" {
		t.Fatalf("Warn records %v, want a second one counting those left out", warns)
	}
}

// With the store down nothing ran, so a fallback may answer; it receives
// the *StoreError. Without a fallback the caller gets the *StoreError.
func TestStoreDownFallbackAnswers(t *testing.T) {
	s := &down{IdempotencyStore: newMemoryStore()}
	refused := errors.New("connection refused")
	s.err.Store(&refused)
	p := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(s))
	ctx := context.Background()
	ran := false
	r, err := charge(ctx, p, "o-1", func(context.Context) (receipt, error) { ran = true; return receipt{ID: "ch_1"}, nil })
	if err != nil || r.Status != "queued" || ran {
		t.Fatalf("with a fallback: %+v, %v (ran %v); want the fallback's answer and no run", r, err, ran)
	}
	_, err = baldur.Idempotent(ctx, p, "o-1", nil, func(context.Context) (int, error) { return 1, nil })
	var se *baldur.StoreError
	if !errors.As(err, &se) || se.Op != "claim" || !p.ShouldFallback(ctx, nil, err) {
		t.Fatalf("without a fallback: %v, want a claim *StoreError a fallback may answer", err)
	}
}
