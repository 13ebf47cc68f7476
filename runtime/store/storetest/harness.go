package storetest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// fixture is one engine test: a fresh store, a fake clock, and runtimes on
// them.
type fixture struct {
	t     *testing.T
	store baldur.IdempotencyStore
	ns    string
	clock *baldurtest.Clock
}

func newFixture(t *testing.T, b Backend) *fixture {
	s, ns := b.Open(t)
	return &fixture{t: t, store: s, ns: ns, clock: baldurtest.NewClock(epoch)}
}

// config is what a test asks of a runtime beyond its idempotency settings.
type config struct {
	baldur.IdempotencyConfig
	// clock is the runtime's clock; nil means the fixture's fake clock.
	clock baldur.Clock
	// ttl is the policies' Spec.DedupeTTL.
	ttl time.Duration
	// observe receives the runtime's events.
	observe func(baldur.Event)
}

// engine is one runtime on the fixture's store, as a process or a replica
// would have: engines share nothing but the store.
type engine struct {
	rt  *baldur.Runtime
	ttl time.Duration

	mu       sync.Mutex
	policies map[string]*baldur.Policy
}

// engine builds a runtime on the fixture's store; renewal is off unless the
// test asks for it, so the fake clock's timers are only the waits the test
// expects.
func (f *fixture) engine(c config) *engine {
	if c.clock == nil {
		c.clock = f.clock
	}
	return newEngine(f.t, f.store, c)
}

func newEngine(t testing.TB, s baldur.IdempotencyStore, c config) *engine {
	t.Helper()
	if !c.RenewEvery.IsSet() {
		c.RenewEvery = baldur.Set(time.Duration(0)) // renewal off
	}
	if c.clock == nil {
		c.clock = baldur.SystemClock{}
	}
	opts := []baldur.Option{
		baldur.WithIdempotencyStore(s),
		baldur.WithClock(c.clock),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: c.IdempotencyConfig}}),
	}
	if c.observe != nil {
		opts = append(opts, baldur.WithObserver(c.observe))
	}
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return &engine{rt: rt, ttl: c.ttl, policies: map[string]*baldur.Policy{}}
}

// policy is the runtime's policy called name, deduplicated by key.
func (e *engine) policy(name string) *baldur.Policy {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.policies[name]
	if p == nil {
		p = e.rt.Policy(baldur.Spec{Name: name, Method: "storetest.Gateway." + name, Dedupe: true, DedupeTTL: e.ttl})
		e.policies[name] = p
	}
	return p
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
func charge(ctx context.Context, e *engine, policy, orderID string, args chargeArgs, inner func(context.Context, int64) (receipt, error)) (receipt, error) {
	type results struct{ R0 receipt }
	p := e.policy(policy)
	res, err := baldur.Idempotent(ctx, p, orderID, args, func(ctx context.Context) (results, error) {
		var r results
		err := p.Do(ctx, nil, func(ctx context.Context) error {
			var err error
			r.R0, err = inner(ctx, args.Amount)
			return err
		})
		return r, err
	})
	return res.R0, err
}

type outcome struct {
	r   receipt
	err error
}

// goCharge runs charge on a goroutine and returns its outcome channel.
func goCharge(ctx context.Context, e *engine, orderID string, amount int64, svc *service) <-chan outcome {
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
