package nocontext

import (
	"errors"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"
)

type cache struct{ lookups, flushes, loads int }

func (c *cache) Lookup(key string) (string, error) { c.lookups++; return "", errors.New("miss") }
func (c *cache) Flush() error                      { c.flushes++; return errors.New("busy") }
func (c *cache) Load(key string, size int) ([]byte, error) {
	c.loads++
	return make([]byte, size), nil
}

func TestWithoutContext(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &cache{}
	c := NewCacheProtected(inner, rt)
	if v, err := c.Lookup("k"); v != "stale:k" || err != nil || inner.lookups != 3 {
		t.Errorf("Lookup: %q, %v after %d calls", v, err, inner.lookups)
	}
	if err := c.Flush(); err == nil || inner.flushes != 2 {
		t.Errorf("Flush: %v after %d calls", err, inner.flushes)
	}
	for range 2 {
		if b, err := c.Load("k", 3); len(b) != 3 || err != nil {
			t.Errorf("Load: %v, %v", b, err)
		}
	}
	if inner.loads != 1 {
		t.Errorf("Load ran %d times for one key", inner.loads)
	}
}
