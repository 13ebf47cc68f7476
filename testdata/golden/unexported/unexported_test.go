package unexported

import (
	"context"
	"errors"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"
)

type mem struct{ loads int }

func (m *mem) load(ctx context.Context, id string) ([]byte, error) {
	m.loads++
	if m.loads == 1 {
		return nil, errors.New("cold")
	}
	return []byte(id), nil
}

func (m *mem) save(ctx context.Context, id string, b []byte) error { return nil }

func TestUnexportedInterface(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &mem{}
	var s store = newStoreProtected(inner, rt)
	b, err := s.load(context.Background(), "k")
	if string(b) != "k" || err != nil || inner.loads != 2 {
		t.Fatalf("load: %q, %v after %d calls", b, err, inner.loads)
	}
}
