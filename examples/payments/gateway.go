package payments

import (
	"context"
	"errors"

	baldur "github.com/baldur-go/baldur/runtime"
)

//go:generate go run github.com/baldur-go/baldur/cmd/baldurgen

// Receipt is what the gateway answers for a charge.
type Receipt struct {
	OrderID string
	Amount  int64
	Status  string
}

// ErrDeclined is the card issuer's answer, not a failure of the gateway.
var ErrDeclined = errors.New("payments: card declined")

// Customer is who pays. Its tier is part of every decision about the
// charge: baldur.yaml gives critical customers more attempts.
type Customer struct {
	ID   string
	Tier string // "standard" or "critical"
}

// PaymentGateway charges customers through a remote payment provider.
type PaymentGateway interface {
	// Charge is deduplicated by order, retried, cut at 300ms an attempt,
	// guarded by the gateway's breaker, and when it fails for good it is
	// captured for replay before the fallback answers "queued".
	//
	//baldur:protected name=charge-customer idempotency_key=orderID retry=3 breaker=gateway timeout=300ms
	//baldur:protected fallback=queuedCharge classify=classifyCharge context=customer.Tier dlq
	Charge(ctx context.Context, orderID string, amount int64, customer Customer) (Receipt, error)

	//baldur:protected retry=2 breaker=gateway idempotent
	Status(ctx context.Context, orderID string) (string, error)

	// Ping is not protected: it is how operators see the raw gateway.
	Ping(ctx context.Context) error
}

// queuedCharge answers when the gateway cannot: the charge was captured
// for replay, so the customer's checkout can say "queued" and mean it. A
// charge that could not be captured is not queued: its error goes back.
func queuedCharge(ctx context.Context, orderID string, amount int64, customer Customer, err error) (Receipt, error) {
	if !errors.Is(err, baldur.ErrDeadLettered) {
		return Receipt{}, err
	}
	return Receipt{OrderID: orderID, Amount: amount, Status: "queued"}, nil
}

// classifyCharge tells the runtime what the provider's answers mean: a
// declined card is the customer's answer, not the gateway failing, so it
// goes back as is: not retried, not counted by the breaker, never queued.
func classifyCharge(c baldur.PolicyContext, err error) baldur.Decision {
	if errors.Is(err, ErrDeclined) {
		return baldur.DecideIgnore
	}
	return baldur.DecideDefault
}
