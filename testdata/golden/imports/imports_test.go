package imports

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	aerrors "github.com/baldur-go/baldur/testdata/lib/aerrors"
	berrors "github.com/baldur-go/baldur/testdata/lib/berrors"
	"github.com/baldur-go/baldur/testdata/lib/harness"
	"github.com/baldur-go/baldur/testdata/lib/other"
)

type clashes struct {
	calls atomic.Int32
	err   error
}

func (c *clashes) Codes(ctx context.Context, a aerrors.Code, b berrors.Code) (aerrors.Code, berrors.Code, error) {
	c.calls.Add(1)
	return a + 1, b + "!", c.err
}

func (c *clashes) Wait(ctx context.Context, d time.Duration, next string, err error, n int, r0 bool) (time.Duration, error) {
	c.calls.Add(1)
	if !r0 || n != 3 || next != "next" || err == nil {
		return 0, errors.New("arguments were not forwarded")
	}
	return 2 * d, nil
}

func (c *clashes) Shadow(ctx context.Context, s string, t other.Token) (string, error) {
	c.calls.Add(1)
	return "", c.err
}

func (c *clashes) Copy(ctx context.Context, w io.Writer) (int64, error) { return 0, nil }

func TestErrorListsFromTwoPackagesNamedErrors(t *testing.T) {
	for _, tt := range []struct {
		err   error
		calls int32
	}{
		{aerrors.ErrTransient, 3}, // retry_on: retried
		{io.ErrUnexpectedEOF, 3},  // retry_on from the standard library
		{berrors.ErrFatal, 1},     // abort_on, a constant error
		{errors.New("other"), 1},  // outside retry_on
	} {
		rt, _ := harness.Runtime(t, "")
		inner := &clashes{err: tt.err}
		a, b, err := NewClashesProtected(inner, rt).Codes(context.Background(), 1, "b")
		if !errors.Is(err, tt.err) || inner.calls.Load() != tt.calls {
			t.Errorf("%v: %v after %d calls, want %d", tt.err, err, inner.calls.Load(), tt.calls)
		}
		if a != 2 || b != "b!" {
			t.Errorf("%v: results %v %q were not passed back", tt.err, a, b)
		}
	}
}

func TestParametersNamedLikeImportsAndLocals(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &clashes{}
	p := NewClashesProtected(inner, rt)
	d, err := p.Wait(context.Background(), time.Second, "next", errors.New("an argument, not a result"), 3, true)
	if err != nil || d != 2*time.Second {
		t.Fatalf("Wait: %v, %v", d, err)
	}
	inner.err = errors.New("down")
	s, err := p.Shadow(context.Background(), "b", other.Token{Value: "t"})
	if err != nil || s != "fallback:bt" || inner.calls.Load() != 3 {
		t.Fatalf("Shadow: %q, %v after %d calls", s, err, inner.calls.Load())
	}
}
