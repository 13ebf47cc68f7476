package shapes

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"
)

var errDown = errors.New("down")

// shapes records what each method received; every protected method fails
// once, then succeeds.
type shapes struct {
	calls atomic.Int32
	got   []any
}

func (s *shapes) fail() error {
	if s.calls.Add(1)%2 == 1 {
		return errDown
	}
	return nil
}

func (s *shapes) Mixed(_ context.Context, a string, b int) (int, error) {
	s.got = []any{a, b}
	return len(a) + b, s.fail()
}
func (s *shapes) Blank(context.Context, string, int) error { return s.fail() }
func (s *shapes) Send(_ context.Context, ids ...string) (int, error) {
	s.got = []any{ids}
	return len(ids), errDown
}
func (s *shapes) Many(context.Context) (int, string, []byte, map[string]int, error) {
	return 1, "two", []byte("three"), map[string]int{"four": 4}, s.fail()
}
func (s *shapes) Kinds(_ context.Context, p *Point, sl []Point, a [4]byte, m map[Point][]*Point,
	c chan int, in <-chan string, out chan<- error, nested chan (<-chan int),
	fn func(context.Context, ...int) (bool, error),
	anon struct {
		Name string `json:"name,omitempty"`
		Point
	}) (func() error, error) {
	s.got = []any{p, sl, a, m, c, in, out, nested, anon.Name, anon.X}
	ok, err := fn(context.Background(), 1, 2)
	return func() error { return errors.New(strings.Repeat("!", len(sl))) }, errors.Join(err, s.fail(), map[bool]error{true: nil, false: errDown}[ok])
}
func (s *shapes) Stream(_ context.Context, r io.Reader, h interface{ Header() http.Header }) (io.ReadCloser, error) {
	return io.NopCloser(r), s.fail()
}
func (s *shapes) Fire(_ context.Context, event string) { s.got = []any{event} }
func (s *shapes) Plain(v string) error                 { s.got = []any{v}; return s.fail() }

func TestArgumentsAndResultsArriveIntact(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &shapes{}
	p := NewShapesProtected(inner, rt)
	ctx := context.Background()

	if n, err := p.Mixed(ctx, "abc", 4); n != 7 || err != nil || inner.calls.Load() != 2 {
		t.Errorf("Mixed: %d, %v after %d calls", n, err, inner.calls.Load())
	}
	if err := p.Blank(ctx, "x", 1); err != nil {
		t.Errorf("Blank: %v", err)
	}
	a, b, c, d, err := p.Many(ctx)
	if a != 1 || b != "two" || string(c) != "three" || d["four"] != 4 || err != nil {
		t.Errorf("Many: %v %v %v %v %v", a, b, c, d, err)
	}

	pt := &Point{1, 2}
	ch, in, out, nested := make(chan int), make(<-chan string), make(chan<- error), make(chan (<-chan int))
	m := map[Point][]*Point{{3, 4}: {pt}}
	anon := struct {
		Name string `json:"name,omitempty"`
		Point
	}{Name: "anon", Point: Point{X: 9}}
	fn, err := p.Kinds(ctx, pt, []Point{{5, 6}}, [4]byte{7}, m, ch, in, out, nested,
		func(ctx context.Context, xs ...int) (bool, error) { return len(xs) == 2, nil }, anon)
	if err != nil || fn().Error() != "!" {
		t.Fatalf("Kinds: %v", err)
	}
	if inner.got[0] != pt || inner.got[4] != ch || inner.got[8] != "anon" || inner.got[9] != 9 {
		t.Errorf("Kinds received %v", inner.got)
	}

	rc, err := p.Stream(ctx, strings.NewReader("body"), headers{})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if b, _ := io.ReadAll(rc); string(b) != "body" {
		t.Errorf("Stream returned %q", b)
	}

	p.Fire(ctx, "boom")
	if inner.got[0] != "boom" {
		t.Errorf("Fire received %v", inner.got)
	}
	if err := p.Plain("v"); err != nil || inner.got[0] != "v" {
		t.Errorf("Plain: %v, received %v", err, inner.got)
	}
}

type headers http.Header

func (h headers) Header() http.Header { return http.Header(h) }

func TestVariadicIsForwardedAndFallbackGetsTheSlice(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &shapes{}
	n, err := NewShapesProtected(inner, rt).Send(context.Background(), "a", "b", "c")
	if err != nil || n != -3 {
		t.Fatalf("Send: %d, %v; want the fallback's -len(ids)", n, err)
	}
	if ids := inner.got[0].([]string); len(ids) != 3 || ids[2] != "c" {
		t.Errorf("inner received %v", inner.got)
	}
}
