// Package provider is a fake payment provider for the payments demo: a
// real HTTP API whose faults are scripted by the caller, and which counts
// every request it receives so a demo can compare calls with attempts.
package provider

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Script says how the provider misbehaves from now on. The zero Script is
// a healthy provider.
type Script struct {
	// Down answers every request 503, as during an outage.
	Down bool
	// FailNext answers the next n charge requests 503, as a provider that
	// is still warming up.
	FailNext int
	// StallNext holds the next n charge requests for Stall before
	// answering, or until the caller gives up.
	StallNext int
	Stall     time.Duration
}

// Provider is the provider's HTTP API. Charges above a limit are declined
// with 402, as a card issuer would; a charge whose Idempotency-Key was
// already captured gets the same answer again and is not taken twice.
type Provider struct {
	limit int64
	mux   *http.ServeMux

	mu       sync.Mutex
	script   Script
	requests map[string]int // charge requests per order, faults included
	answered map[string]int // charge requests answered 200, per order
	captured map[string]charge
}

type charge struct {
	OrderID string `json:"order_id"`
	Amount  int64  `json:"amount"`
	Status  string `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
}

// New returns a healthy provider that declines amounts above limit.
func New(limit int64) *Provider {
	p := &Provider{limit: limit, requests: map[string]int{}, answered: map[string]int{}, captured: map[string]charge{}}
	p.mux = http.NewServeMux()
	p.mux.HandleFunc("POST /charges", p.charge)
	p.mux.HandleFunc("GET /charges/{id}", p.status)
	p.mux.HandleFunc("GET /health", p.health)
	return p
}

func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// Play replaces the script.
func (p *Provider) Play(s Script) {
	p.mu.Lock()
	p.script = s
	p.mu.Unlock()
}

// Requests is the number of charge requests received for orderID.
func (p *Provider) Requests(orderID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[orderID]
}

// Answered is the number of charge requests for orderID that the
// provider answered with a capture: more than one means a charge was sent
// twice, which only the provider's own Idempotency-Key check kept from
// billing twice.
func (p *Provider) Answered(orderID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.answered[orderID]
}

// Captured is the number of orders charged.
func (p *Provider) Captured() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.captured)
}

// fault is what the script does to one charge request.
type fault int

const (
	noFault fault = iota
	unavailable
	stall
)

// admit counts a charge request and picks its fault.
func (p *Provider) admit(orderID string) (fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests[orderID]++
	switch s := &p.script; {
	case s.Down:
		return unavailable, 0
	case s.FailNext > 0:
		s.FailNext--
		return unavailable, 0
	case s.StallNext > 0:
		s.StallNext--
		return stall, s.Stall
	}
	return noFault, 0
}

func (p *Provider) charge(w http.ResponseWriter, r *http.Request) {
	var c charge
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&c); err != nil || c.OrderID == "" {
		reply(w, http.StatusBadRequest, charge{Error: "want a JSON body with order_id and amount"})
		return
	}
	switch f, d := p.admit(c.OrderID); f {
	case unavailable:
		reply(w, http.StatusServiceUnavailable, charge{OrderID: c.OrderID, Error: "provider unavailable"})
		return
	case stall:
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return // the caller gave up; nothing is charged
		}
	}
	if c.Amount > p.limit {
		reply(w, http.StatusPaymentRequired, charge{OrderID: c.OrderID, Amount: c.Amount, Error: "insufficient funds"})
		return
	}
	p.mu.Lock()
	p.answered[c.OrderID]++
	done, ok := p.captured[c.OrderID]
	if !ok {
		done = charge{OrderID: c.OrderID, Amount: c.Amount, Status: "captured"}
		p.captured[c.OrderID] = done
	}
	p.mu.Unlock()
	reply(w, http.StatusOK, done)
}

func (p *Provider) status(w http.ResponseWriter, r *http.Request) {
	if p.down() {
		reply(w, http.StatusServiceUnavailable, charge{Error: "provider unavailable"})
		return
	}
	p.mu.Lock()
	c, ok := p.captured[r.PathValue("id")]
	p.mu.Unlock()
	if !ok {
		reply(w, http.StatusNotFound, charge{Error: "no such charge"})
		return
	}
	reply(w, http.StatusOK, c)
}

func (p *Provider) health(w http.ResponseWriter, r *http.Request) {
	if p.down() {
		reply(w, http.StatusServiceUnavailable, charge{Error: "provider unavailable"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *Provider) down() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.script.Down
}

func reply(w http.ResponseWriter, code int, c charge) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(c) // the caller may be gone; nothing to do about it
}
