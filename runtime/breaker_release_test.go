package baldur_test

import (
	"context"
	"errors"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

func TestC5IgnoredAndCancelledCallsGiveThePermitBack(t *testing.T) {
	e, p, b := breakerPolicy(t)
	halfOpen(t, e, p)
	// 4 ignored errors and 4 cancelled calls: none is a failure, each
	// gives its permit back, so the breaker still has its 4 probes.
	for range 4 {
		if err := do(p, errDeclined); !errors.Is(err, errDeclined) {
			t.Fatalf("ignored error came back as %v", err)
		}
	}
	ctx, cancel := context.WithCancel(bg)
	for range 4 {
		p.Do(ctx, nil, func(context.Context) error { cancel(); return context.Canceled })
		ctx, cancel = context.WithCancel(bg)
	}
	cancel()
	if m := b.Metrics(); m.State != baldur.StateHalfOpen || m.ProbesLeft != 4 || m.ProbeSuccesses != 0 {
		t.Fatalf("after ignored and cancelled probes: %+v, want half-open with 4 probes left", m)
	}
	// In the closed state they are not counted at all.
	for range 4 {
		do(p, nil)
	}
	wantState(t, b, baldur.StateClosed)
	for range 10 {
		do(p, errDeclined)
	}
	if m := b.Metrics(); m.Calls != 0 {
		t.Fatalf("ignored errors were counted: %+v", m)
	}
}

func TestC5PanicCountsAsAFailureAndPanicsOn(t *testing.T) {
	_, p, b := breakerPolicy(t)
	for i := range 5 {
		func() {
			defer func() {
				if r := recover(); r != "kaboom" {
					t.Fatalf("call %d: recovered %v, want the inner panic", i, r)
				}
			}()
			p.Do(bg, nil, func(context.Context) error { panic("kaboom") })
		}()
	}
	wantState(t, b, baldur.StateOpen)
}

func TestC5ProbeOutlivingHalfOpenMaxWaitReopens(t *testing.T) {
	e, p, b := breakerPolicy(t)
	halfOpen(t, e, p)
	slow := make(chan struct{})
	holding := make(chan struct{})
	result := make(chan error)
	go func() {
		result <- p.Do(bg, nil, func(context.Context) error { close(holding); <-slow; return nil })
	}()
	<-holding // the probe holds its permit
	e.clock.Advance(2*time.Second - time.Millisecond)
	wantState(t, b, baldur.StateHalfOpen)
	e.clock.Advance(time.Millisecond) // half_open_max_wait
	wantState(t, b, baldur.StateOpen)
	close(slow)
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	// The late success belongs to the half-open generation that ended: it
	// neither closes the breaker nor shortens the new open period.
	wantState(t, b, baldur.StateOpen)
	e.clock.Advance(5 * time.Second)
	wantState(t, b, baldur.StateHalfOpen)
}

func TestC6ResultFromAnEarlierGenerationChangesNoCounter(t *testing.T) {
	e, p, b := breakerPolicy(t)
	release := make(chan struct{})
	result := make(chan error)
	started := make(chan struct{})
	go func() {
		result <- p.Do(bg, nil, func(context.Context) error { close(started); <-release; return errBoom })
	}()
	<-started // admitted while closed
	b.ForceOpen()
	b.Close()
	close(release)
	<-result
	if m := b.Metrics(); m.Calls != 0 || m.Failures != 0 {
		t.Fatalf("a failure from the previous closed generation was counted: %+v", m)
	}
	// A call admitted while closed that fails once the breaker has gone
	// open and then half-open does not reopen it or take a probe.
	started2, release2 := make(chan struct{}), make(chan struct{})
	go func() {
		result <- p.Do(bg, nil, func(context.Context) error { close(started2); <-release2; return errBoom })
	}()
	<-started2
	halfOpen(t, e, p)
	close(release2)
	<-result
	if m := b.Metrics(); m.State != baldur.StateHalfOpen || m.ProbesLeft != 4 {
		t.Fatalf("a late closed-state failure reached the half-open breaker: %+v", m)
	}
}

// Regression: permits were taken with an unconditional decrement, so every
// rejected call drove the count further below zero and a permit given back
// later (an ignored error) vanished into that debt: the breaker stayed
// half-open with no probe ever admitted again.
func TestPermitGivenBackAfterRejectionsAdmitsTheNextProbe(t *testing.T) {
	e := newEnv(t, `
breakers:
  dep: {size: 2, minimum_calls: 2, open_for: 1s, half_open_probes: 1, half_open_max_wait: 0s}
`)
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep", Ignore: []error{errDeclined}})
	do(p, errBoom)
	do(p, errBoom)
	e.clock.Advance(time.Second)
	wantState(t, p.Breaker(), baldur.StateHalfOpen)
	holding, release, result := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		result <- p.Do(bg, nil, func(context.Context) error { close(holding); <-release; return errDeclined })
	}()
	<-holding
	for range 100 {
		if err := do(p, nil); !errors.Is(err, baldur.ErrBreakerOpen) {
			t.Fatalf("second probe admitted: %v", err)
		}
	}
	close(release)
	<-result
	var inner counter
	if err := p.Do(bg, nil, inner.fn(nil)); err != nil || inner.n() != 1 {
		t.Fatalf("after the permit came back: err %v, inner %d; want the probe admitted", err, inner.n())
	}
	wantState(t, p.Breaker(), baldur.StateClosed)
}
