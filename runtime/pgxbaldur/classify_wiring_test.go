// classify= at the policy: the runtime asks the classifier about every
// failed attempt.

package pgxbaldur_test

import (
	"context"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/pgxbaldur"
)

// classify=pgxbaldur.Classify alone keeps a unique violation from being
// retried or counted, and still retries a serialization failure.
func TestClassifiedSQLStates(t *testing.T) {
	c := connect(t)
	p := newRuntime(t, noDelay).Policy(baldur.Spec{Name: "db", Method: "t.Accounts.Create", Retry: true, Attempts: 3,
		Breaker: "db", Classify: pgxbaldur.Classify})
	for state, want := range map[string]int{"23505": 1, "40001": 3, "42P01": 1} {
		n := 0
		p.Do(bg, nil, func(context.Context) error { n++; return raise(c, state) })
		if n != want {
			t.Errorf("%s: %d attempts, want %d", state, n, want)
		}
	}
	if m := p.Breaker().Metrics(); m.Failures != 4 || m.Calls != 4 {
		t.Fatalf("breaker %+v: want the 3 serialization failures and the 42P01 counted, the 23505 not", m)
	}
}
