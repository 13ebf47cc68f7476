package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
)

// Fault is a fault a store's test makes on the way to its server, as it
// alone can: Begin stalls it (SIGSTOP, a proxy that stops forwarding),
// End lets it go on.
type Fault struct{ Begin, End func() }

// WantClaimRefused fails the test unless o is a claim *StoreError and the
// method did not run: the call a fault stopped at the claim.
func WantClaimRefused(t testing.TB, g *Gateway, o Outcome) {
	t.Helper()
	var se *baldur.StoreError
	if !errors.As(o.Err, &se) || se.Op != "claim" || g.Calls.Load() != 0 {
		t.Fatalf("stopped at the claim: %+v, %v after %d runs; want a claim *StoreError, no run", o.R, o.Err, g.Calls.Load())
	}
}

// FaultBeforeComplete: the fault begins while the method runs, so the
// completing write hangs. The caller gets its real result and
// ErrNotRecorded within the store timeout, and a duplicate in the same
// runtime gets that result. Once the fault ends (and settled holds, when
// not nil), another runtime gets the result or ErrInFlight; the method
// never runs again.
func FaultBeforeComplete(t *testing.T, s baldur.IdempotencyStore, f Fault, settled func() bool) {
	t.Helper()
	cfg := baldur.IdempotencyConfig{StoreTimeout: baldur.Set(300 * time.Millisecond)}
	g := NewGateway(t, s, cfg)
	g.Gate, g.Start = make(chan struct{}), make(chan struct{}, 1)
	ch := g.GoCharge("o-1")
	<-g.Start
	f.Begin()
	close(g.Gate)
	o := Within(t, ch)
	if !errors.Is(o.Err, baldur.ErrNotRecorded) || !errors.Is(o.Err, baldur.ErrIdempotencyStore) || o.R.ID == "" {
		t.Fatalf("the fault before the completing write: %+v, %v; want the real result and ErrNotRecorded", o.R, o.Err)
	}
	g.Gate = nil
	if again := Within(t, g.GoCharge("o-1")); again.Err != nil || again.R != o.R {
		t.Fatalf("duplicate in the same runtime: %+v, %v; want %+v", again.R, again.Err, o.R)
	}
	f.End()
	if settled != nil {
		testenv.Eventually(t, "the store settles after the fault", settled)
	}
	cfg.InFlight = baldur.Set(baldur.InFlightFail)
	other := NewGateway(t, s, cfg)
	again := Within(t, other.GoCharge("o-1"))
	if (again.Err != nil || again.R != o.R) && !errors.Is(again.Err, baldur.ErrInFlight) || other.Calls.Load() != 0 {
		t.Fatalf("duplicate in another runtime: %+v, %v after %d runs; want %+v or ErrInFlight", again.R, again.Err, other.Calls.Load(), o.R)
	}
	if n := g.Calls.Load(); n != 1 {
		t.Fatalf("the method ran %d times, want once", n)
	}
}

// ManyCallersThroughAFault: 500 callers of one key while a fault lasts 1 s,
// less than the store timeout. They all wait on the one call, which claims
// once the fault ends; the method runs once and every caller gets its
// result.
func ManyCallersThroughAFault(t *testing.T, s baldur.IdempotencyStore, f Fault) {
	t.Helper()
	g := NewGateway(t, s, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(2 * time.Second)})
	f.Begin()
	lasted := time.After(time.Second) // the fault's length, not a wait for a state
	var (
		wg   sync.WaitGroup
		outs = make(chan Outcome, 500)
	)
	for range 500 {
		wg.Go(func() { outs <- <-g.GoCharge("o-1") })
	}
	testenv.Eventually(t, "499 callers join the first", func() bool { return g.Dups.Load() == 499 })
	<-lasted
	f.End()
	wg.Wait()
	close(outs)
	var first *Receipt
	for o := range outs {
		if o.Err != nil {
			t.Fatalf("a caller got %v", o.Err)
		}
		if first == nil {
			first = &o.R
		} else if o.R != *first {
			t.Fatalf("callers got %+v and %+v", o.R, *first)
		}
	}
	if n := g.Calls.Load(); n != 1 {
		t.Fatalf("the method ran %d times, want once", n)
	}
}
