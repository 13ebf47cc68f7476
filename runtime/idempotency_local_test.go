package baldur_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// decodes counts UnmarshalJSON calls of decodeCounter values.
var decodes atomic.Int64

// decodeCounter is an int whose decoding is counted.
type decodeCounter struct{ N int }

func (c decodeCounter) MarshalJSON() ([]byte, error) { return json.Marshal(c.N) }
func (c *decodeCounter) UnmarshalJSON(b []byte) error {
	decodes.Add(1)
	return json.Unmarshal(b, &c.N)
}

// flat holds nothing a copy would share with the original.
type flat struct {
	C     decodeCounter
	Label string
	Pair  [2]float64
}

// deep holds a slice and a map: a copy would share them.
type deep struct {
	C     decodeCounter
	Items []int
	Tags  map[string]string
}

// A stored result whose copies share nothing writable is decoded for the
// first duplicate only; the next ones get equal values. Every duplicate
// of a result with slices or maps is decoded anew. Not run in parallel:
// it counts decodes package-wide.
func TestDuplicatesDecodeOnceWhenCopiesShareNothing(t *testing.T) {
	ctx := context.Background()
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	want := flat{C: decodeCounter{7}, Label: "receipt-1", Pair: [2]float64{1.5, -2}}
	runs := 0
	call := func() flat {
		t.Helper()
		got, err := baldur.Idempotent(ctx, p, "flat", 1, func(context.Context) (flat, error) {
			runs++
			return want, nil
		})
		if err != nil || got != want {
			t.Fatalf("got %+v, %v; want %+v", got, err, want)
		}
		return got
	}
	decodes.Store(0)
	for range 5 {
		call()
	}
	if runs != 1 || decodes.Load() != 1 {
		t.Fatalf("flat result: %d runs and %d decodes for 4 duplicates, want 1 and 1", runs, decodes.Load())
	}

	decodes.Store(0)
	for range 5 {
		if _, err := baldur.Idempotent(ctx, p, "deep", nil, func(context.Context) (deep, error) {
			return deep{C: decodeCounter{1}, Items: []int{1}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if decodes.Load() != 4 {
		t.Fatalf("result with a slice: %d decodes for 4 duplicates, want 4", decodes.Load())
	}
}

// The kept decoded result belongs to one record: once the record expires
// and the call runs again, duplicates get the new result.
func TestKeptResultFollowsTheRecord(t *testing.T) {
	ctx := context.Background()
	clock := baldurtest.NewClock(now)
	p := idemPolicy(t, baldur.IdempotencyConfig{TTL: baldur.Set(time.Hour)}, baldur.WithClock(clock))
	n := 0
	call := func() flat {
		t.Helper()
		got, err := baldur.Idempotent(ctx, p, "k", nil, func(context.Context) (flat, error) {
			n++
			return flat{C: decodeCounter{n}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	call()
	for range 2 {
		if call().C.N != 1 {
			t.Fatal("duplicates did not get the first result")
		}
	}
	clock.Advance(time.Hour)
	if got := call(); got.C.N != 2 {
		t.Fatalf("after expiry got %d, want a new run", got.C.N)
	}
	for range 2 {
		if call().C.N != 2 {
			t.Fatal("duplicates of the new record got the old result")
		}
	}
}

// Each caller owns what it gets: the first caller and duplicates, local or
// joined, may change slices and maps of their result without touching
// anyone else's.
func TestDuplicatesGetIndependentCopies(t *testing.T) {
	ctx := context.Background()
	gate := make(chan struct{})
	run := func(context.Context) (deep, error) {
		<-gate
		return deep{Items: []int{1, 2}, Tags: map[string]string{"a": "b"}}, nil
	}
	var (
		wg     sync.WaitGroup
		outs   = make([]deep, 4)
		joined = make(chan struct{}, len(outs))
	)
	p := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithObserver(func(ev baldur.Event) {
		if ev.Kind == baldur.EventDuplicate {
			joined <- struct{}{}
		}
	}))
	for i := range outs {
		wg.Go(func() {
			r, err := baldur.Idempotent(ctx, p, "k", nil, run)
			if err != nil {
				t.Error(err)
			}
			r.Items[0], r.Tags["a"] = 100+i, "changed" // every caller scribbles on its copy
			outs[i] = r
		})
	}
	for range len(outs) - 1 {
		<-joined
	}
	close(gate)
	wg.Wait()
	for i, r := range outs {
		if r.Items[0] != 100+i || r.Items[1] != 2 || len(r.Tags) != 1 {
			t.Fatalf("caller %d sees %+v: another caller's writes reached it", i, r)
		}
	}
	for range 2 {
		r, err := baldur.Idempotent(ctx, p, "k", nil, run)
		if err != nil || r.Items[0] != 1 || r.Tags["a"] != "b" {
			t.Fatalf("later duplicate got %+v, %v; callers' writes reached the store", r, err)
		}
		r.Items[0], r.Tags["a"] = -1, "again"
	}
}

// observedStore records what the engine asks of the store it wraps.
type observedStore struct {
	baldur.IdempotencyStore
	local bool

	mu        sync.Mutex
	deadlines int // operations that came with a deadline
	renewals  int // updates that kept the record in flight
	tokens    []string
	renewed   chan struct{} // receives each renewal when not nil
}

func (s *observedStore) Local() bool { return s.local }

func (s *observedStore) saw(ctx context.Context) {
	if _, ok := ctx.Deadline(); ok {
		s.deadlines++
	}
}

func (s *observedStore) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	s.mu.Lock()
	s.saw(ctx)
	s.tokens = append(s.tokens, rec.Token)
	s.mu.Unlock()
	return s.IdempotencyStore.Claim(ctx, key, rec, now)
}

func (s *observedStore) Update(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) error {
	s.mu.Lock()
	s.saw(ctx)
	renewal := rec.State == baldur.RecordInFlight
	if renewal {
		s.renewals++
	}
	s.mu.Unlock()
	err := s.IdempotencyStore.Update(ctx, key, rec, now)
	if renewal && s.renewed != nil {
		s.renewed <- struct{}{}
	}
	return err
}

func (s *observedStore) Release(ctx context.Context, key, token string) error {
	s.mu.Lock()
	s.saw(ctx)
	s.mu.Unlock()
	return s.IdempotencyStore.Release(ctx, key, token)
}

// A local store gets no per-operation timeout, no lease renewal, and
// tokens of the usual form from math/rand/v2; a remote one gets all three
// as before.
func TestLocalStoreSkipsTimeoutsAndRenewal(t *testing.T) {
	token := regexp.MustCompile(`^[A-Z2-7]{26}$`)
	for _, local := range []bool{true, false} {
		s := &observedStore{IdempotencyStore: baldur.NewMemoryStore(baldur.MemoryLimits{}), local: local, renewed: make(chan struct{}, 1)}
		clock := baldurtest.NewClock(now)
		p := idemPolicy(t, baldur.IdempotencyConfig{Lease: baldur.Set(30 * time.Second), RenewEvery: baldur.Set(10 * time.Second)},
			baldur.WithIdempotencyStore(s), baldur.WithClock(clock))
		ctx := context.Background()
		started, gate := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			_, err := baldur.Idempotent(ctx, p, "slow", nil, func(context.Context) (int, error) {
				close(started)
				<-gate
				return 1, nil
			})
			done <- err
		}()
		<-started
		if !local {
			if err := clock.WaitForTimers(ctx, 1); err != nil { // the heartbeat's
				t.Fatal(err)
			}
		}
		clock.Advance(10 * time.Second)
		if !local {
			<-s.renewed
		}
		close(gate)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			if _, err := baldur.Idempotent(ctx, p, "k"+strings.Repeat("x", i), nil, func(context.Context) (int, error) { return i, nil }); err != nil {
				t.Fatal(err)
			}
		}
		s.mu.Lock()
		seen := map[string]bool{}
		for _, tok := range s.tokens {
			if !token.MatchString(tok) || seen[tok] {
				t.Fatalf("local %v: token %q is not a fresh [A-Z2-7]{26}", local, tok)
			}
			seen[tok] = true
		}
		if local && (s.deadlines != 0 || s.renewals != 0) {
			t.Errorf("local store: %d operations with a deadline and %d renewals, want none", s.deadlines, s.renewals)
		}
		if !local && (s.deadlines == 0 || s.renewals == 0) {
			t.Errorf("remote store: %d operations with a deadline and %d renewals, want some", s.deadlines, s.renewals)
		}
		s.mu.Unlock()
	}
}

// remote hides that a store is local.
type remote struct{ baldur.IdempotencyStore }

// A MemoryStore that an engine of this process writes without hashing the
// arguments still shows their sha256 through the Store methods, so an
// engine that reaches it through them (another store wrapping it) agrees
// on hits and on reused keys, whichever engine wrote the record, for
// short arguments (kept as they are) and long ones (hashed).
func TestMemoryStoreFingerprintsSeenThroughStoreMethods(t *testing.T) {
	ctx := context.Background()
	s := baldur.NewMemoryStore(baldur.MemoryLimits{})
	local := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(s))
	other := idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(remote{s}))
	type args struct{ Note string }
	short, long := args{"a"}, args{strings.Repeat("long ", 20)}
	for i, c := range []struct {
		writer, reader *baldur.Policy
		args           args
	}{{local, other, short}, {local, other, long}, {other, local, short}, {other, local, long}} {
		key := "k" + string(rune('0'+i))
		ran := 0
		run := func(context.Context) (int, error) { ran++; return 42, nil }
		if _, err := baldur.Idempotent(ctx, c.writer, key, c.args, run); err != nil {
			t.Fatal(err)
		}
		rec, ok, err := s.Get(ctx, baldur.StoreKeyOf("", "", "p", key))
		canon, _ := baldur.CanonicalJSON(c.args)
		sum := sha256.Sum256(canon)
		if err != nil || !ok || rec.Fingerprint != hex.EncodeToString(sum[:]) {
			t.Fatalf("case %d: stored fingerprint %q (%v, %v), want the sha256 of %s", i, rec.Fingerprint, ok, err, canon)
		}
		if got, err := baldur.Idempotent(ctx, c.reader, key, c.args, run); err != nil || got != 42 || ran != 1 {
			t.Fatalf("case %d: duplicate got %d, %v after %d runs; want the stored 42", i, got, err, ran)
		}
		if _, err := baldur.Idempotent(ctx, c.reader, key, args{"other"}, run); !errors.Is(err, baldur.ErrKeyReused) {
			t.Fatalf("case %d: other arguments: %v, want ErrKeyReused", i, err)
		}
	}
	// The engine may pass no arguments at all: nil is kept as empty
	// arguments.
	if _, err := baldur.ExecuteBytes(ctx, local, "nil-args", nil, func(context.Context) ([]byte, error) { return []byte("v"), nil }); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*baldur.Policy{local, other} {
		if v, err := baldur.ExecuteBytes(ctx, p, "nil-args", nil, func(context.Context) ([]byte, error) { return nil, errors.New("ran again") }); err != nil || string(v) != "v" {
			t.Fatalf("duplicate without arguments = %q, %v; want the stored v", v, err)
		}
	}
}
