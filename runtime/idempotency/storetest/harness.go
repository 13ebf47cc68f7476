package storetest

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/runtime/idempotency"
)

// fixture is one engine test: a fresh store, a fake clock, and engines on
// them.
type fixture struct {
	t     *testing.T
	store idempotency.Store
	ns    string
	clock *Clock
}

func newFixture(t *testing.T, b Backend) *fixture {
	s, ns := b.Open(t)
	return &fixture{t: t, store: s, ns: ns, clock: NewClock(epoch)}
}

// engine builds an engine on the fixture's store; cfg.Clock defaults to
// the fake clock, and renewal is off unless the test asks for it, so the
// fake clock's timers are only the waits the test expects.
func (f *fixture) engine(cfg idempotency.Config) *idempotency.Engine {
	return newEngine(f.t, f.store, f.clock, cfg)
}

func newEngine(t testing.TB, s idempotency.Store, c idempotency.Clock, cfg idempotency.Config) *idempotency.Engine {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = c
	}
	if cfg.RenewEvery == 0 {
		cfg.RenewEvery = -1
	}
	e, err := idempotency.New(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type receipt struct {
	ID     string
	Amount int64
}

type chargeArgs struct {
	Amount int64
	Meta   map[string]string `json:",omitempty"`
}

// service is the protected dependency: it counts calls and can be held
// inside a call until the test releases it.
type service struct {
	calls   atomic.Int64
	gate    chan struct{} // when not nil, a call waits for it to close (or for ctx)
	started chan string   // when not nil, receives each call's receipt ID as it starts
	fail    error         // returned instead of a receipt when set
}

func (s *service) charge(ctx context.Context, amount int64) (receipt, error) {
	s.calls.Add(1)
	r := receipt{ID: rand.Text(), Amount: amount}
	if s.started != nil {
		s.started <- r.ID
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return receipt{}, ctx.Err()
		}
	}
	if s.fail != nil {
		return receipt{}, s.fail
	}
	return r, nil
}

// charge is what generated code does for
//
//	//baldur:protected name=<policy> idempotency_key=orderID
//	Charge(ctx context.Context, orderID string, amount int64) (receipt, error)
func charge(ctx context.Context, e *idempotency.Engine, policy, orderID string, args chargeArgs, inner func(context.Context, int64) (receipt, error)) (receipt, error) {
	type results struct{ R0 receipt }
	res, err := idempotency.Do(ctx, e, idempotency.Call{Policy: policy, Key: orderID, Args: args},
		func(ctx context.Context) (results, error) {
			var r results
			var err error
			r.R0, err = inner(ctx, args.Amount)
			return r, err
		})
	return res.R0, err
}

type outcome struct {
	r   receipt
	err error
}

// goCharge runs charge on a goroutine and returns its outcome channel.
func goCharge(ctx context.Context, e *idempotency.Engine, orderID string, amount int64, svc *service) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		r, err := charge(ctx, e, "charge-customer", orderID, chargeArgs{Amount: amount}, svc.charge)
		ch <- outcome{r, err}
	}()
	return ch
}

func recv(t testing.TB, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(20 * time.Second):
		t.Fatal("call did not return")
		return outcome{}
	}
}

// storeKey is the key the engine uses for policy charge-customer.
func storeKey(orderID string) string {
	return idempotency.StoreKey("", "", "charge-customer", orderID)
}
