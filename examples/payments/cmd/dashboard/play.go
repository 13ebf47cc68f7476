package main

import (
	"context"
	"fmt"
	"time"

	"github.com/baldur-go/baldur/examples/payments"
	"github.com/baldur-go/baldur/examples/payments/provider"
	baldur "github.com/baldur-go/baldur/runtime"
)

var bg = context.Background()

// declineAbove is the provider's limit, in cents, as in the demo.
const declineAbove = 500_00

// pace is the wait between two orders when a person watches.
const pace = 250 * time.Millisecond

// act is one part of the loop: the provider's script, and the orders
// placed under it. Amounts above declineAbove are declined; resend sends
// the previous order again, as a double click does.
type act struct {
	script  provider.Script
	amounts []int64
	resend  bool
	// waitHalfOpen waits for the breaker's open period to end first.
	waitHalfOpen bool
}

// loop is the story the dashboard shows, over and over: steady traffic,
// a provider warming up, a double submit, declined cards, an outage that
// opens the breaker, and the recovery once its open period ends.
var loop = []act{
	{amounts: []int64{25_00, 42_00, 18_50, 99_90, 7_25, 64_00, 12_00, 33_00}},
	{script: provider.Script{FailNext: 2}, amounts: []int64{21_00, 56_00}},
	{resend: true},
	{amounts: []int64{900_00, 1250_00}},
	{script: provider.Script{Down: true}, amounts: []int64{15_00, 33_00, 12_00, 80_00, 45_00, 19_00, 27_00, 38_00}},
	{waitHalfOpen: true, amounts: []int64{21_00, 56_00, 9_99, 44_00, 71_00}},
}

// Play runs the loop cycles times (0: until ctx ends), waiting pace
// between orders.
func (a *app) Play(ctx context.Context, pace time.Duration, cycles int) error {
	n, last := 0, int64(0)
	charge := func(id string, amount int64) error {
		a.gateway.Charge(ctx, id, amount, payments.Customer{ID: "c-" + id, Tier: "standard"}) // every outcome is the runtime's to record
		return wait(ctx, pace)
	}
	for c := 0; cycles == 0 || c < cycles; c++ {
		for _, ac := range loop {
			a.provider.Play(ac.script)
			if ac.waitHalfOpen {
				if err := a.awaitHalfOpen(ctx); err != nil {
					return err
				}
			}
			if ac.resend && n > 0 {
				if err := charge(fmt.Sprintf("ord-%05d", n-1), last); err != nil {
					return err
				}
			}
			for _, amount := range ac.amounts {
				n, last = n+1, amount
				if err := charge(fmt.Sprintf("ord-%05d", n-1), amount); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// awaitHalfOpen polls the breaker until its open period has ended.
func (a *app) awaitHalfOpen(ctx context.Context) error {
	for {
		b := a.rt.Breaker("gateway")
		if b == nil || b.State() != baldur.StateOpen {
			return nil
		}
		if err := wait(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
}

func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
