package storetest

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// Gateway is Charge of policy charge-customer on a runtime of its own,
// deduplicated on a store: what generated code does for
// idempotency_key=orderID. A store's own tests drive it under the faults
// only they can make (a paused server, a stalled proxy, a cut connection).
type Gateway struct {
	Calls atomic.Int64  // runs of the method
	Dups  atomic.Int64  // EventDuplicate seen
	Gate  chan struct{} // when not nil, a run waits for it to close
	Start chan struct{} // when not nil, receives when a run starts

	p *baldur.Policy
}

// Receipt is what Charge returns: a fresh ID for every run of the method.
type Receipt struct{ ID string }

// Outcome is what one call of Charge returned.
type Outcome struct {
	R   Receipt
	Err error
}

// NewGateway is a Gateway whose runtime keeps its records in s, with idem
// as its idempotency defaults; the runtime is closed at cleanup.
func NewGateway(t testing.TB, s baldur.IdempotencyStore, idem baldur.IdempotencyConfig) *Gateway {
	t.Helper()
	g := &Gateway{}
	rt := baldurtest.NewRuntime(t, baldur.WithIdempotencyStore(s),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: idem}}),
		baldur.WithObserver(func(ev baldur.Event) {
			if ev.Kind == baldur.EventDuplicate {
				g.Dups.Add(1)
			}
		}))
	g.p = rt.Policy(baldur.Spec{Name: "charge-customer", Method: "storetest.Gateway.Charge", Dedupe: true})
	return g
}

// Charge charges orderID once, however often it is called.
func (g *Gateway) Charge(ctx context.Context, orderID string) (Receipt, error) {
	return baldur.Idempotent(ctx, g.p, orderID, struct{ Amount int64 }{100}, func(context.Context) (Receipt, error) {
		g.Calls.Add(1)
		if g.Start != nil {
			g.Start <- struct{}{}
		}
		if g.Gate != nil {
			<-g.Gate
		}
		return Receipt{ID: rand.Text()}, nil
	})
}

// GoCharge calls Charge on a goroutine of its own, with a context that is
// never cancelled: only the runtime's own timeouts can end it.
func (g *Gateway) GoCharge(orderID string) <-chan Outcome {
	ch := make(chan Outcome, 1)
	go func() {
		r, err := g.Charge(context.Background(), orderID)
		ch <- Outcome{r, err}
	}()
	return ch
}

// Within is what ch yields, failing the test when it yields nothing within
// testenv.EventuallyWithin: a call hangs.
func Within[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	var v T
	testenv.Eventually(t, "the call returns", func() bool {
		select {
		case v = <-ch:
			return true
		default:
			return false
		}
	})
	return v
}
