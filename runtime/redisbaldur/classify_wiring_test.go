//go:build lead_wiring

// These tests need Spec.Classify, which the runtime does not have yet
// (issue 10). Run them with -tags lead_wiring once it lands, then drop the
// constraint.

package redisbaldur_test

import (
	"context"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

// classify=redisbaldur.Classify alone: a miss once and uncounted.
func TestClassifiedNil(t *testing.T) {
	c, prefix := shared(t)
	p := newRuntime(t, noDelay).Policy(baldur.Spec{Name: "cache", Method: "t.Cache.Get", Retry: true, Attempts: 3,
		Breaker: "cache", Classify: redisbaldur.Classify})
	n := 0
	p.Do(bg, func(ctx context.Context) error { n++; return c.Get(ctx, prefix+"missing").Err() })
	if m := p.Breaker().Metrics(); n != 1 || m.Calls != 0 {
		t.Fatalf("%d gets, breaker %+v; want 1 and nothing counted", n, m)
	}
}
