package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"

	"github.com/baldur-go/baldur/examples/payments"
	"github.com/baldur-go/baldur/examples/payments/provider"
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
	Title  string
	Waited []transition // while waiting for the open period to end
	Orders []result
	After  baldur.BreakerMetrics
}

// account is the whole run.
type account struct {
	Phases   []phaseResult
	Captured int // orders the provider charged
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
	t := newTally(breakerName)
	rt, err := newRuntime(t.observe, logger)
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
	acct.Captured = p.Captured()
	return acct, nil
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
	r.After = s.breaker().Metrics()
	return r, nil
}

// charge places one order through the protected gateway and measures what
// it cost.
func (s *stage) charge(ctx context.Context, o order) result {
	res := result{Order: o, Before: s.breaker().Metrics()}
	before := s.provider.Requests(o.ID)
	m := s.tally.mark()
	res.Receipt, res.Err = s.gateway.Charge(ctx, o.ID, o.Amount)
	res.Events, res.Transitions = s.tally.since(m)
	res.After = s.breaker().Metrics()
	res.Requests = s.provider.Requests(o.ID) - before
	return res
}

func (s *stage) breaker() *baldur.CircuitBreaker { return s.rt.Breaker(breakerName) }
