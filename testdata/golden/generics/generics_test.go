package generics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

var errNotFound = errors.New("not found")

type repo[K comparable, V any] struct {
	calls atomic.Int32
	data  map[K]V
	down  bool // Put fails
}

func (r *repo[K, V]) Get(ctx context.Context, key K) (V, error) {
	r.calls.Add(1)
	v, ok := r.data[key]
	if !ok {
		return v, errNotFound
	}
	return v, nil
}

func (r *repo[K, V]) Put(ctx context.Context, key K, value V) error {
	r.calls.Add(1)
	if r.down {
		return errors.New("down")
	}
	r.data[key] = value
	return nil
}

func (r *repo[K, V]) Keys(ctx context.Context) ([]K, error) {
	var ks []K
	for k := range r.data {
		ks = append(ks, k)
	}
	return ks, nil
}

func TestGenericDecorator(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &repo[string, int]{data: map[string]int{}}
	var r Repo[string, int] = NewRepoProtected[string, int](inner, rt)
	ctx := context.Background()
	if err := r.Put(ctx, "a", 1); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "a"); v != 1 || err != nil {
		t.Fatalf("Get(a) = %d, %v", v, err)
	}
	inner.calls.Store(0)
	v, err := r.Get(ctx, "zz")
	if v != 0 || !errors.Is(err, errNotFound) || err.Error() == errNotFound.Error() || inner.calls.Load() != 3 {
		t.Fatalf("Get(zz) = %d, %v after %d calls; want the generic fallback's wrapped error after 3", v, err, inner.calls.Load())
	}
}

// A generic method's dead letter is encoded with its type arguments and
// replayed into them.
func TestGenericDeadLetterIsReplayed(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &repo[string, []int]{data: map[string][]int{}, down: true}
	r := NewRepoProtected[string, []int](inner, rt)
	ctx := context.Background()
	if err := r.Put(ctx, "a", []int{1, 2}); !errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Put while down: %v; want it captured", err)
	}
	inner.down = false
	if stats, err := rt.Replay(ctx); err != nil || stats.Replayed != 1 {
		t.Fatalf("replay: %+v, %v", stats, err)
	}
	if got := inner.data["a"]; len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("replayed Put stored %v, want [1 2]", got)
	}
}

type celsius float64

type label int

func (l label) String() string { return "label-" + strconv.Itoa(int(l)) }

type summer[T Number, S fmt.Stringer] struct{ calls atomic.Int32 }

func (s *summer[T, S]) Sum(ctx context.Context, xs ...T) (T, error) {
	var t T
	for _, x := range xs {
		t += x
	}
	if s.calls.Add(1) == 1 {
		return 0, errors.New("first call fails")
	}
	return t, nil
}

func (s *summer[T, S]) Label(ctx context.Context, v S) (string, error) { return v.String(), nil }

func TestUnionConstraintAndForeignConstraint(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	p := NewSummerProtected[celsius, label](&summer[celsius, label]{}, rt)
	if total, err := p.Sum(context.Background(), 1.5, 2.5); total != 4 || err != nil {
		t.Fatalf("Sum = %v, %v", total, err)
	}
	if s, err := p.Label(context.Background(), 7); s != "label-7" || err != nil {
		t.Fatalf("Label = %q, %v", s, err)
	}
}
