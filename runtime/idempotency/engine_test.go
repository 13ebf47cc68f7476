package idempotency_test

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

	"github.com/baldur-go/baldur/runtime/idempotency"
)

func newEngine(t *testing.T, cfg idempotency.Config) *idempotency.Engine {
	t.Helper()
	e, err := idempotency.New(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// counted returns a run func that counts its calls and returns the count.
func counted(n *atomic.Int64) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { return n.Add(1), nil }
}

// I5: an empty key is missing; "0" and "false" are keys.
func TestMissingKey(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	e := newEngine(t, idempotency.Config{})
	if _, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: ""}, counted(&n)); !errors.Is(err, idempotency.ErrMissingKey) {
		t.Fatalf("empty key: %v, want ErrMissingKey", err)
	}
	if n.Load() != 0 {
		t.Fatal("inner ran without a key")
	}
	for _, k := range []string{"0", "false"} {
		for range 2 {
			if _, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: k}, counted(&n)); err != nil {
				t.Fatalf("key %q: %v", k, err)
			}
		}
	}
	if n.Load() != 2 {
		t.Fatalf("keys 0 and false: %d runs, want 2", n.Load())
	}
	run := newEngine(t, idempotency.Config{MissingKey: idempotency.MissingKeyRun})
	for range 2 {
		if _, err := idempotency.Do(ctx, run, idempotency.Call{Policy: "p"}, counted(&n)); err != nil {
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
	e := newEngine(t, idempotency.Config{})
	for _, k := range []string{strings.Repeat("k", 256), "o-1\nlevel=ERROR msg=forged", "o-1\x1b[31m", "o-\xff"} {
		if _, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: k}, counted(&n)); !errors.Is(err, idempotency.ErrInvalidKey) {
			t.Errorf("key %q: %v, want ErrInvalidKey", k, err)
		}
	}
	if _, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: strings.Repeat("k", 255)}, counted(&n)); err != nil {
		t.Errorf("255-byte key: %v", err)
	}
	long := newEngine(t, idempotency.Config{MaxKeyBytes: -1})
	if _, err := idempotency.Do(ctx, long, idempotency.Call{Policy: "p", Key: strings.Repeat("k", 4096)}, counted(&n)); err != nil {
		t.Errorf("MaxKeyBytes -1: %v", err)
	}

	hex := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for _, parts := range [][4]string{
		{"", "", "charge", "o-1"}, {"", "", "refund", "o-1"}, {"", "a", "charge", "o-1"}, {"svc", "", "charge", "o-1"},
		{"", "", "charge", "o-1x"}, {"", "", "chargeo", "-1"}, {"", "", "", "chargeo-1"},
	} {
		k := idempotency.StoreKey(parts[0], parts[1], parts[2], parts[3])
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
	x, err := idempotency.CanonicalJSON(ab{A: 1, B: map[string]any{"z": 1, "a": []int{1, 2}, "<": "&"}})
	if err != nil {
		t.Fatal(err)
	}
	y, err := idempotency.CanonicalJSON(ba{A: 1, B: map[string]any{"<": "&", "a": []int{1, 2}, "z": 1}})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"A":1,"B":{"<":"&","a":[1,2],"z":1}}`
	if string(x) != want || string(y) != want {
		t.Fatalf("canonical forms %s and %s, want %s", x, y, want)
	}
	big, _ := idempotency.CanonicalJSON(map[string]int64{"n": math.MaxInt64})
	if string(big) != `{"n":9223372036854775807}` {
		t.Fatalf("large integers lose precision: %s", big)
	}
	if _, err := idempotency.CanonicalJSON(math.NaN()); err == nil {
		t.Fatal("NaN encoded")
	}
}

// A result the codec cannot encode is stored as a permanent failure: the
// side effect ran, so a duplicate must not run it again.
func TestUnencodableResultIsStoredAsFailure(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, idempotency.Config{})
	var n atomic.Int64
	run := func(context.Context) (float64, error) { n.Add(1); return math.NaN(), nil }
	if _, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: "k"}, run); !errors.Is(err, idempotency.ErrCodec) {
		t.Fatalf("first call: %v, want ErrCodec", err)
	}
	_, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: "k"}, run)
	var stored *idempotency.StoredError
	if !errors.As(err, &stored) || n.Load() != 1 {
		t.Fatalf("duplicate: %v after %d runs, want a *StoredError and 1 run", err, n.Load())
	}
	if _, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: "k2", Args: math.Inf(1)}, run); !errors.Is(err, idempotency.ErrCodec) || n.Load() != 1 {
		t.Fatalf("unencodable arguments: %v, want ErrCodec before running", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]idempotency.Config{
		"negative TTL":         {TTL: -time.Second},
		"negative lease":       {Lease: -time.Second},
		"renewal beyond lease": {Lease: time.Second, RenewEvery: time.Second},
		"poll bounds":          {PollMin: time.Second, PollMax: time.Millisecond},
		"missing-key mode":     {MissingKey: 9},
		"claim attempts":       {MaxClaimAttempts: -1},
	} {
		if _, err := idempotency.New(nil, cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	if _, err := idempotency.New(nil, idempotency.Config{RenewEvery: -1, InFlightWait: idempotency.NoWait}); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

// The runtime's clock has its own Timer interface type; ClockOf adapts it.
type runtimeTimer interface {
	C() <-chan time.Time
	Stop() bool
}

type runtimeClock struct{}

func (runtimeClock) Now() time.Time                               { return time.Unix(42, 0) }
func (runtimeClock) NewTimer(d time.Duration) runtimeTimer        { return stdTimer{time.NewTimer(d)} }
func (runtimeClock) AfterFunc(time.Duration, func()) runtimeTimer { return nil }

type stdTimer struct{ t *time.Timer }

func (s stdTimer) C() <-chan time.Time { return s.t.C }
func (s stdTimer) Stop() bool          { return s.t.Stop() }

func TestClockOf(t *testing.T) {
	c := idempotency.ClockOf(runtimeClock{})
	if !c.Now().Equal(time.Unix(42, 0)) {
		t.Fatal("Now not passed through")
	}
	if tm := c.NewTimer(time.Millisecond); tm.C() == nil || !tm.Stop() {
		t.Fatal("NewTimer not passed through")
	}
	if idempotency.ClockOf(idempotency.SystemClock{}) != (idempotency.SystemClock{}) {
		t.Fatal("a Clock is wrapped again")
	}
}

// No goroutine outlives its call: cancelled owners, waiters, heartbeats.
func TestNoLeakedGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	e := newEngine(t, idempotency.Config{Lease: time.Second, RenewEvery: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := idempotency.Do(ctx, e, idempotency.Call{Policy: "p", Key: "k"}, func(ctx context.Context) (int, error) {
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
		if _, err := idempotency.Do(context.Background(), e, idempotency.Call{Policy: "p", Key: "k2"}, counted(&n)); err != nil {
			t.Fatal(err)
		}
	}
}

// Execute is the byte-level core: duplicates get the stored bytes, each
// caller its own copy.
func TestExecuteBytes(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, idempotency.Config{})
	var n atomic.Int64
	run := func(context.Context) ([]byte, error) { n.Add(1); return []byte("receipt-1"), nil }
	req := idempotency.Request{Policy: "p", Key: "k", Args: []byte(`{"amount":1}`)}
	first, err := e.Execute(ctx, req, run)
	if err != nil || string(first) != "receipt-1" {
		t.Fatalf("first = %q, %v", first, err)
	}
	first[0] = 'X' // a caller scribbling on its copy
	again, err := e.Execute(ctx, req, run)
	if err != nil || string(again) != "receipt-1" || n.Load() != 1 {
		t.Fatalf("duplicate = %q, %v after %d runs", again, err, n.Load())
	}
	req.Args = []byte(`{"amount":2}`)
	if _, err := e.Execute(ctx, req, run); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Fatalf("other args: %v", err)
	}
	if _, err := e.Execute(ctx, idempotency.Request{Key: "k"}, run); err == nil {
		t.Fatal("a request without a policy was accepted")
	}
}

// The bytes run returns stay run's: writing them after the call changes
// neither the stored result nor what duplicates get.
func TestExecuteKeepsItsOwnCopy(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, idempotency.Config{})
	buf := []byte("receipt-1")
	if _, err := e.Execute(ctx, idempotency.Request{Policy: "p", Key: "k"}, func(context.Context) ([]byte, error) { return buf, nil }); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXXXXXX") // run reuses its buffer
	again, err := e.Execute(ctx, idempotency.Request{Policy: "p", Key: "k"}, func(context.Context) ([]byte, error) { return nil, errors.New("ran again") })
	if err != nil || string(again) != "receipt-1" {
		t.Fatalf("duplicate = %q, %v; want the bytes as they were returned", again, err)
	}
}

// A call that ends its goroutine with runtime.Goexit (t.FailNow in a
// fake) still frees its key and answers its callers.
func TestGoexitFreesKey(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, idempotency.Config{})
	req := idempotency.Request{Policy: "p", Key: "k"}
	if _, err := e.Execute(ctx, req, func(context.Context) ([]byte, error) { runtime.Goexit(); return nil, nil }); err == nil {
		t.Fatal("Goexit reported as success")
	}
	if v, err := e.Execute(ctx, req, func(context.Context) ([]byte, error) { return []byte("ok"), nil }); err != nil || string(v) != "ok" {
		t.Fatalf("after Goexit: %q, %v; want a new run", v, err)
	}
}
