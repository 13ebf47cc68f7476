package baldur_test

import (
	"context"
	"errors"
	"math"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
)

// counted returns a run func that counts its calls and returns the count.
func counted(n *atomic.Int64) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { return n.Add(1), nil }
}

// I5: an empty key is missing; "0" and "false" are keys.
func TestMissingKey(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	if _, err := baldur.Idempotent(ctx, p, "", nil, counted(&n)); !errors.Is(err, baldur.ErrMissingKey) {
		t.Fatalf("empty key: %v, want ErrMissingKey", err)
	}
	if n.Load() != 0 {
		t.Fatal("inner ran without a key")
	}
	for _, k := range []string{"0", "false"} {
		for range 2 {
			if _, err := baldur.Idempotent(ctx, p, k, nil, counted(&n)); err != nil {
				t.Fatalf("key %q: %v", k, err)
			}
		}
	}
	if n.Load() != 2 {
		t.Fatalf("keys 0 and false: %d runs, want 2", n.Load())
	}
	run := idemPolicy(t, baldur.IdempotencyConfig{MissingKey: baldur.Set(baldur.MissingKeyRun)})
	for range 2 {
		if _, err := baldur.Idempotent(ctx, run, "", nil, counted(&n)); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 4 {
		t.Fatalf("MissingKeyRun: %d runs, want 2 more", n.Load()-2)
	}
}

// X4: long keys and keys that could forge log lines are refused; the store
// key is a fixed-length hash that never holds the user's text.
func TestKeyHygiene(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	for _, k := range []string{strings.Repeat("k", 256), "o-1\nlevel=ERROR msg=forged", "o-1\x1b[31m", "o-\xff"} {
		if _, err := baldur.Idempotent(ctx, p, k, nil, counted(&n)); !errors.Is(err, baldur.ErrInvalidKey) {
			t.Errorf("key %q: %v, want ErrInvalidKey", k, err)
		}
	}
	if _, err := baldur.Idempotent(ctx, p, strings.Repeat("k", 255), nil, counted(&n)); err != nil {
		t.Errorf("255-byte key: %v", err)
	}
	long := idemPolicy(t, baldur.IdempotencyConfig{MaxKeyBytes: baldur.Set(4096)})
	if _, err := baldur.Idempotent(ctx, long, strings.Repeat("k", 4096), nil, counted(&n)); err != nil {
		t.Errorf("max_key_bytes 4096: %v", err)
	}

	hex := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for _, parts := range [][4]string{
		{"", "", "charge", "o-1"}, {"", "", "refund", "o-1"}, {"", "a", "charge", "o-1"}, {"svc", "", "charge", "o-1"},
		{"", "", "charge", "o-1x"}, {"", "", "chargeo", "-1"}, {"", "", "", "chargeo-1"},
	} {
		k := baldur.StoreKeyOf(parts[0], parts[1], parts[2], parts[3])
		if !hex.MatchString(k) || seen[k] {
			t.Fatalf("StoreKey%q = %q: not a fresh sha256", parts, k)
		}
		seen[k] = true
	}
}

// I4: the fingerprint ignores map order and struct field order, and sees
// every value.
func TestCanonicalJSON(t *testing.T) {
	type ab struct {
		A int
		B map[string]any
	}
	type ba struct {
		B map[string]any
		A int
	}
	x, err := baldur.CanonicalJSON(ab{A: 1, B: map[string]any{"z": 1, "a": []int{1, 2}, "<": "&"}})
	if err != nil {
		t.Fatal(err)
	}
	y, err := baldur.CanonicalJSON(ba{A: 1, B: map[string]any{"<": "&", "a": []int{1, 2}, "z": 1}})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"A":1,"B":{"<":"&","a":[1,2],"z":1}}`
	if string(x) != want || string(y) != want {
		t.Fatalf("canonical forms %s and %s, want %s", x, y, want)
	}
	big, _ := baldur.CanonicalJSON(map[string]int64{"n": math.MaxInt64})
	if string(big) != `{"n":9223372036854775807}` {
		t.Fatalf("large integers lose precision: %s", big)
	}
	if _, err := baldur.CanonicalJSON(math.NaN()); err == nil {
		t.Fatal("NaN encoded")
	}
}

// A result the codec cannot encode is stored as a permanent failure: the
// side effect ran, so a duplicate must not run it again.
func TestUnencodableResultIsStoredAsFailure(t *testing.T) {
	ctx := context.Background()
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	var n atomic.Int64
	run := func(context.Context) (float64, error) { n.Add(1); return math.NaN(), nil }
	if _, err := baldur.Idempotent(ctx, p, "k", nil, run); !errors.Is(err, baldur.ErrCodec) {
		t.Fatalf("first call: %v, want ErrCodec", err)
	}
	_, err := baldur.Idempotent(ctx, p, "k", nil, run)
	var stored *baldur.StoredError
	if !errors.As(err, &stored) || n.Load() != 1 {
		t.Fatalf("duplicate: %v after %d runs, want a *StoredError and 1 run", err, n.Load())
	}
	if _, err := baldur.Idempotent(ctx, p, "k2", math.Inf(1), run); !errors.Is(err, baldur.ErrCodec) || n.Load() != 1 {
		t.Fatalf("unencodable arguments: %v, want ErrCodec before running", err)
	}
}

func TestIdempotencyConfigValidation(t *testing.T) {
	for name, c := range map[string]baldur.IdempotencyConfig{
		"negative TTL":         {TTL: baldur.Set(-time.Second)},
		"negative lease":       {Lease: baldur.Set(-time.Second)},
		"negative wait":        {InFlight: baldur.Set(baldur.InFlightWaitAtMost(-time.Second))},
		"renewal beyond lease": {Lease: baldur.Set(time.Second), RenewEvery: baldur.Set(time.Second)},
		"poll bounds":          {PollMin: baldur.Set(time.Second), PollMax: baldur.Set(time.Millisecond)},
		"missing-key mode":     {MissingKey: baldur.Set(baldur.MissingKey(9))},
		"claim attempts":       {MaxClaimAttempts: baldur.Set(-1)},
	} {
		if err := (&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: c}}).Validate(); err == nil {
			t.Errorf("%s: accepted %+v", name, c)
		}
	}
	ok := baldur.IdempotencyConfig{RenewEvery: baldur.Set(time.Duration(0)), InFlight: baldur.Set(baldur.InFlightFail)}
	if err := (&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: ok}}).Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

// No goroutine outlives its call: cancelled owners, waiters, heartbeats.
func TestNoLeakedGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := idemPolicy(t, baldur.IdempotencyConfig{Lease: baldur.Set(time.Second), RenewEvery: baldur.Set(10 * time.Millisecond)})
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := baldur.Idempotent(ctx, p, "k", nil, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	var n atomic.Int64
	for range 10 {
		if _, err := baldur.Idempotent(context.Background(), p, "k2", nil, counted(&n)); err != nil {
			t.Fatal(err)
		}
	}
}

// The byte-level core: duplicates get the stored bytes, each caller its
// own copy.
func TestExecuteBytes(t *testing.T) {
	ctx := context.Background()
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	var n atomic.Int64
	run := func(context.Context) ([]byte, error) { n.Add(1); return []byte("receipt-1"), nil }
	first, err := baldur.ExecuteBytes(ctx, p, "k", []byte(`{"amount":1}`), run)
	if err != nil || string(first) != "receipt-1" {
		t.Fatalf("first = %q, %v", first, err)
	}
	first[0] = 'X' // a caller scribbling on its copy
	again, err := baldur.ExecuteBytes(ctx, p, "k", []byte(`{"amount":1}`), run)
	if err != nil || string(again) != "receipt-1" || n.Load() != 1 {
		t.Fatalf("duplicate = %q, %v after %d runs", again, err, n.Load())
	}
	if _, err := baldur.ExecuteBytes(ctx, p, "k", []byte(`{"amount":2}`), run); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("other args: %v", err)
	}
}

// The bytes run returns stay run's: writing them after the call changes
// neither the stored result nor what duplicates get.
func TestExecuteKeepsItsOwnCopy(t *testing.T) {
	ctx := context.Background()
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	buf := []byte("receipt-1")
	if _, err := baldur.ExecuteBytes(ctx, p, "k", nil, func(context.Context) ([]byte, error) { return buf, nil }); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXXXXXX") // run reuses its buffer
	again, err := baldur.ExecuteBytes(ctx, p, "k", nil, func(context.Context) ([]byte, error) { return nil, errors.New("ran again") })
	if err != nil || string(again) != "receipt-1" {
		t.Fatalf("duplicate = %q, %v; want the bytes as they were returned", again, err)
	}
}

// A call that ends its goroutine with runtime.Goexit (t.FailNow in a
// fake) still frees its key and answers its callers.
func TestGoexitFreesKey(t *testing.T) {
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	goexit := func(context.Context) ([]byte, error) { runtime.Goexit(); return nil, nil }
	// A caller that can leave runs the call on another goroutine, which
	// Goexit ends: the caller learns it from the error.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := baldur.ExecuteBytes(ctx, p, "k", nil, goexit); err == nil {
		t.Fatal("Goexit reported as success")
	}
	if v, err := baldur.ExecuteBytes(ctx, p, "k", nil, func(context.Context) ([]byte, error) { return []byte("ok"), nil }); err != nil || string(v) != "ok" {
		t.Fatalf("after Goexit: %q, %v; want a new run", v, err)
	}
	// A caller that cannot leave runs the call itself, as it would without
	// a key: Goexit ends the caller's goroutine, and the key is freed all
	// the same.
	exited := make(chan bool, 1)
	go func() {
		returned := false
		defer func() { exited <- returned }()
		_, _ = baldur.ExecuteBytes(context.Background(), p, "k2", nil, goexit)
		returned = true
	}()
	if <-exited {
		t.Fatal("the caller returned from a call that ended its goroutine")
	}
	if v, err := baldur.ExecuteBytes(context.Background(), p, "k2", nil, func(context.Context) ([]byte, error) { return []byte("ok"), nil }); err != nil || string(v) != "ok" {
		t.Fatalf("after Goexit on the caller's goroutine: %q, %v; want a new run", v, err)
	}
}

// A policy whose Spec asks for no deduplication refuses Idempotent.
func TestIdempotentNeedsDedupe(t *testing.T) {
	rt, err := baldur.New()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "plain"})
	var n atomic.Int64
	if _, err := baldur.Idempotent(context.Background(), p, "k", nil, counted(&n)); err == nil || n.Load() != 0 {
		t.Fatalf("Idempotent on a policy without Dedupe: %v after %d runs", err, n.Load())
	}
}
