package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"

	"github.com/baldur-go/baldur/examples/payments"
	"github.com/baldur-go/baldur/examples/payments/provider"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

// result is one order as the account tells it.
type result struct {
	Order       order
	Receipt     payments.Receipt
	Err         error
	Requests    int    // charge requests the provider received during the call
	Events      counts // runtime events during the call
	Transitions []transition
	// Before and After are the breaker around the call.
	Before, After baldur.BreakerMetrics
}

type phaseResult struct {
	Title    string
	Waited   []transition // while waiting for the open period to end
	Orders   []result
	Replayed []replayed // the dead letters the queue replayed after the orders
	After    baldur.BreakerMetrics
}

// account is the whole run.
type account struct {
	Phases   []phaseResult
	Captured int // orders the provider charged
	// Replayed are the queued orders the dead-letter queue replayed once
	// the breaker closed, with the charge requests the provider answered
	// for each over the whole run; Left is what the queue still holds.
	Replayed []replayed
	Left     int
}

type replayed struct {
	Order    order
	Answered int
}

// stage is everything a run needs, built once.
type stage struct {
	provider *provider.Provider
	tally    *tally
	rt       *baldur.Runtime
	gateway  payments.PaymentGateway
}

// play runs phases against a fresh provider and runtime, handing each
// finished phase to report as it goes, so a watcher sees the story unfold.
func play(ctx context.Context, phases []phase, logger *slog.Logger, report func(phaseResult)) (*account, error) {
	p := provider.New(declineAbove)
	srv, err := provider.Start(p)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "baldur-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	letters, err := boltstore.Open(filepath.Join(dir, "letters.db"))
	if err != nil {
		return nil, err
	}
	defer letters.Close()
	t := newTally(breakerName)
	rt, err := newRuntime(t.observe, logger, letters)
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	inner := payments.NewHTTPGateway(srv.URL, &http.Client{Transport: transport})
	s := &stage{provider: p, tally: t, rt: rt, gateway: payments.NewPaymentGatewayProtected(inner, rt)}
	// Every decorator is built: a section of the configuration that none
	// reads is a misspelt policy or breaker name.
	if err := rt.CheckConfig(); err != nil {
		return nil, err
	}

	acct := &account{}
	for _, ph := range phases {
		r, err := s.run(ctx, ph)
		if err != nil {
			return nil, fmt.Errorf("phase %q: %w", ph.Title, err)
		}
		acct.Phases = append(acct.Phases, r)
		report(r)
	}
	for _, ph := range acct.Phases {
		acct.Replayed = append(acct.Replayed, ph.Replayed...)
	}
	all, err := s.rt.DeadLetters().List(ctx, baldur.LetterFilter{})
	if err != nil {
		return nil, err
	}
	acct.Left = len(all)
	acct.Captured = p.Captured()
	return acct, nil
}

// awaitReplays waits, with a deadline, for the queue to replay what it
// holds (the breaker's closing started it), and returns the replayed
// orders with the charges the provider answered for each.
func (s *stage) awaitReplays(ctx context.Context) ([]replayed, error) {
	letters, err := s.rt.DeadLetters().List(ctx, baldur.LetterFilter{})
	if err != nil {
		return nil, fmt.Errorf("reading the dead-letter queue: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		pending, err := s.rt.DeadLetters().List(wctx, baldur.LetterFilter{State: baldur.LetterPending})
		if err != nil || len(pending) == 0 {
			break // a queue that will not drain shows in the account's count of what is left
		}
		select {
		case <-wctx.Done():
		case <-time.After(5 * time.Millisecond): // polling the queue, with the deadline above
			continue
		}
		break
	}
	var out []replayed
	for _, l := range letters {
		o := order{ID: l.Key, Tier: l.Fields["tier"]}
		fmt.Sscan(l.Fields["amount"], &o.Amount)
		out = append(out, replayed{Order: o, Answered: s.provider.Answered(o.ID)})
	}
	return out, nil
}

func (s *stage) run(ctx context.Context, ph phase) (phaseResult, error) {
	s.provider.Play(ph.Script)
	r := phaseResult{Title: ph.Title}
	if ph.WaitHalfOpen {
		m := s.tally.mark()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.tally.await(wctx, baldur.StateHalfOpen)
		cancel()
		if err != nil {
			return r, fmt.Errorf("waiting for the breaker to go half-open: %w", err)
		}
		_, r.Waited = s.tally.since(m)
	}
	for _, o := range ph.Orders {
		r.Orders = append(r.Orders, s.charge(ctx, o))
	}
	if ph.AwaitReplays {
		var err error
		if r.Replayed, err = s.awaitReplays(ctx); err != nil {
			return r, err
		}
	}
	r.After = s.breaker().Metrics()
	return r, nil
}

// charge places one order through the protected gateway and measures what
// it cost.
func (s *stage) charge(ctx context.Context, o order) result {
	res := result{Order: o, Before: s.breaker().Metrics()}
	before := s.provider.Requests(o.ID)
	m := s.tally.mark()
	res.Receipt, res.Err = s.gateway.Charge(ctx, o.ID, o.Amount, payments.Customer{ID: "cust-" + o.ID[4:], Tier: o.Tier})
	res.Events, res.Transitions = s.tally.since(m)
	res.After = s.breaker().Metrics()
	res.Requests = s.provider.Requests(o.ID) - before
	return res
}

func (s *stage) breaker() *baldur.CircuitBreaker { return s.rt.Breaker(breakerName) }
