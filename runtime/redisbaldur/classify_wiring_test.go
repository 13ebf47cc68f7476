// classify= at the policy: the runtime asks the classifier about every
// failed attempt.

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
	p.Do(bg, nil, func(ctx context.Context) error { n++; return c.Get(ctx, prefix+"missing").Err() })
	if m := p.Breaker().Metrics(); n != 1 || m.Calls != 0 {
		t.Fatalf("%d gets, breaker %+v; want 1 and nothing counted", n, m)
	}
}
