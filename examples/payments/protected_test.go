package payments_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"

	"github.com/baldur-go/baldur/examples/payments"
	"github.com/baldur-go/baldur/examples/payments/provider"
)

// events records the runtime's events by kind.
type events struct {
	mu sync.Mutex
	n  map[baldur.EventKind]int
}

func (e *events) observe(ev baldur.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n[ev.Kind]++
}

func (e *events) count(k baldur.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[k]
}

// protect wraps an HTTP gateway to a fresh provider in the generated
// decorator, on a runtime with built-in defaults.
func protect(t *testing.T) (*provider.Provider, *payments.PaymentGatewayProtected, *events, *baldur.Runtime) {
	t.Helper()
	p, url := startProvider(t)
	ev := &events{n: map[baldur.EventKind]int{}}
	rt, err := baldur.New(baldur.WithObserver(ev.observe))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return p, payments.NewPaymentGatewayProtected(payments.NewHTTPGateway(url, nil), rt), ev, rt
}

func TestProtectedRetriesUnavailable(t *testing.T) {
	p, gw, ev, _ := protect(t)
	p.Play(provider.Script{FailNext: 2})
	got, err := gw.Charge(t.Context(), "o", 10_00, payments.Customer{})
	if err != nil || got.Status != "captured" {
		t.Fatalf("Charge = %+v, %v; want captured", got, err)
	}
	if n := p.Requests("o"); n != 3 {
		t.Errorf("provider saw %d requests, want 3", n)
	}
	if n := ev.count(baldur.EventRetry); n != 2 {
		t.Errorf("%d retries, want 2", n)
	}
}

func TestProtectedPassesDeclinesThrough(t *testing.T) {
	p, gw, ev, rt := protect(t)
	got, err := gw.Charge(t.Context(), "big", 900_00, payments.Customer{})
	if !errors.Is(err, payments.ErrDeclined) || got.Status == "queued" {
		t.Fatalf("Charge = %+v, %v; want the decline itself", got, err)
	}
	if n := p.Requests("big"); n != 1 {
		t.Errorf("provider saw %d requests, want 1: a decline is not retried", n)
	}
	if n := ev.count(baldur.EventFallback); n != 0 {
		t.Errorf("fallback ran %d times for a decline", n)
	}
	if m := rt.Breaker("gateway").Metrics(); m.Calls != 0 {
		t.Errorf("breaker recorded %d calls, want 0: a decline is not the gateway's failure", m.Calls)
	}
}

func TestProtectedFallsBackWhenDown(t *testing.T) {
	p, gw, ev, _ := protect(t)
	p.Play(provider.Script{Down: true})
	got, err := gw.Charge(t.Context(), "o", 10_00, payments.Customer{})
	if want := (payments.Receipt{OrderID: "o", Amount: 10_00, Status: "queued"}); err != nil || got != want {
		t.Fatalf("Charge = %+v, %v; want %+v", got, err, want)
	}
	if n := p.Requests("o"); n != 3 {
		t.Errorf("provider saw %d requests, want 3", n)
	}
	if n := ev.count(baldur.EventFallback); n != 1 {
		t.Errorf("fallback ran %d times, want 1", n)
	}
}

func TestProtectedTimesOutSlowAttempt(t *testing.T) {
	p, gw, ev, _ := protect(t)
	p.Play(provider.Script{StallNext: 1, Stall: time.Minute})
	got, err := gw.Charge(t.Context(), "o", 10_00, payments.Customer{})
	if err != nil || got.Status != "captured" {
		t.Fatalf("Charge = %+v, %v; want captured by the second attempt", got, err)
	}
	if n := p.Requests("o"); n != 2 {
		t.Errorf("provider saw %d requests, want 2", n)
	}
	if n := ev.count(baldur.EventTimeout); n != 1 {
		t.Errorf("%d attempts timed out, want 1", n)
	}
}

// TestProtectedDeclineIsNotATimeout: Charge has a per-attempt timeout, but
// a decline that comes back in a millisecond did not time out. The caller
// must get the decline itself, and no timeout event may be reported.
func TestProtectedDeclineIsNotATimeout(t *testing.T) {
	_, gw, ev, _ := protect(t)
	_, err := gw.Charge(t.Context(), "big", 900_00, payments.Customer{})
	if errors.Is(err, baldur.ErrTimeout) {
		t.Errorf("a prompt decline came back as a timeout: %v", err)
	}
	if n := ev.count(baldur.EventTimeout); n != 0 {
		t.Errorf("%d timeout events for a prompt decline, want 0", n)
	}
}
