package embedded

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"
)

var errDown = errors.New("down")

type store struct{ get, read, close, put atomic.Int32 }

func (s *store) Get(ctx context.Context, id string) (string, error) { s.get.Add(1); return "", errDown }
func (s *store) Read(id string) ([]byte, error)                     { s.read.Add(1); return nil, errDown }
func (s *store) Close() error                                       { s.close.Add(1); return errDown }
func (s *store) String() string                                     { return "store" }
func (s *store) Put(ctx context.Context, id, value string) error    { s.put.Add(1); return errDown }

func TestEmbeddedMethods(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &store{}
	s := NewStoreProtected(inner, rt)
	ctx := context.Background()
	s.Get(ctx, "x")
	s.Read("x")
	s.Close()
	s.Put(ctx, "x", "v")
	if inner.get.Load() != 3 {
		t.Errorf("Get, annotated on the embedded Getter: %d calls, want 3", inner.get.Load())
	}
	if inner.read.Load() != 1 || inner.close.Load() != 1 {
		t.Errorf("unannotated embedded methods pass through: Read %d, Close %d", inner.read.Load(), inner.close.Load())
	}
	if inner.put.Load() != 2 || s.String() != "store" {
		t.Errorf("Put: %d calls, want 2", inner.put.Load())
	}
}

func TestDefaultsReachEmbeddedMethods(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &store{}
	d := NewDefaultsProtected(inner, rt)
	d.Read("x")
	d.Close()
	if inner.read.Load() != 2 || inner.close.Load() != 2 || d.String() != "store" {
		t.Errorf("Read %d, Close %d; want the interface's retry=2 on both", inner.read.Load(), inner.close.Load())
	}
}
