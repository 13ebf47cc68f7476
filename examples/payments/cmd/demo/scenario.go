package main

import (
	"time"

	"github.com/baldur-go/baldur/examples/payments/provider"
)

// declineAbove is the provider's limit, in cents: larger charges are
// declined, as a card issuer would for insufficient funds.
const declineAbove = 500_00

type order struct {
	ID     string
	Amount int64 // cents
	Tier   string
}

// std and crit are the customers' tiers.
const (
	std  = "standard"
	crit = "critical"
)

// phase is one act of the story: the provider's script, whether to wait
// for the breaker's open period to end first, and the orders placed, one
// after another so that what the account prints never depends on timing.
type phase struct {
	Title        string
	Script       provider.Script
	WaitHalfOpen bool
	Orders       []order
	// AwaitReplays waits, after the orders, for the dead-letter queue to
	// replay what it holds (the breaker's closing starts it), so that
	// nothing the account prints races with a replay.
	AwaitReplays bool
}

// scenario is sized for the breaker in demoConfig: the failures of the
// first phases stay under half of its 10-call window, and the outage
// pushes it over.
var scenario = []phase{
	{
		Title:  "Warm-up: the provider answers its first 2 charge requests with 503",
		Script: provider.Script{FailNext: 2},
		Orders: []order{{"ord-01", 25_00, std}},
	},
	{
		Title:  "Steady traffic",
		Orders: []order{{"ord-02", 42_00, std}, {"ord-03", 18_50, crit}, {"ord-04", 99_90, std}, {"ord-05", 7_25, std}},
	},
	{
		Title:  "Double submit: the shop sends ord-02 and ord-04 again (a double click, a client that gave up waiting)",
		Orders: []order{{"ord-02", 42_00, std}, {"ord-04", 99_90, std}},
	},
	{
		Title:  "Declined cards: the issuer refuses charges above 500.00 with 402; classifyCharge calls it the customer's answer",
		Orders: []order{{"ord-06", 900_00, std}, {"ord-07", 1250_00, crit}},
	},
	{
		Title:  "Slow provider: the next charge request stalls for 5s, past the 300ms attempt timeout",
		Script: provider.Script{StallNext: 1, Stall: 5 * time.Second},
		Orders: []order{{"ord-08", 64_00, std}},
	},
	{
		Title:  "Tiers: the provider fails its next 3 charge requests; a critical customer gets 6 attempts (an override), a standard one 3",
		Script: provider.Script{FailNext: 3},
		Orders: []order{{"ord-09", 310_00, crit}},
	},
	{
		Title:  "Outage: every request answers 503",
		Script: provider.Script{Down: true},
		Orders: []order{{"ord-10", 15_00, std}, {"ord-11", 33_00, std}, {"ord-12", 12_00, crit}, {"ord-13", 80_00, std}},
	},
	{
		Title:        "Recovery: the provider is back; the breaker probes it once its open period ends",
		WaitHalfOpen: true,
		Orders:       []order{{"ord-14", 21_00, std}, {"ord-15", 56_00, std}},
		AwaitReplays: true,
	},
	{
		Title:  "Back to normal",
		Orders: []order{{"ord-16", 9_99, crit}},
	},
}
