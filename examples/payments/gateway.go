package payments

import (
	"context"
	"errors"
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

// PaymentGateway charges customers through a remote payment provider.
type PaymentGateway interface {
	//baldur:protected name=charge-customer idempotency_key=orderID retry=3 breaker=gateway timeout=300ms fallback=queuedCharge ignore=ErrDeclined
	Charge(ctx context.Context, orderID string, amount int64) (Receipt, error)

	//baldur:protected retry=2 breaker=gateway idempotent
	Status(ctx context.Context, orderID string) (string, error)

	// Ping is not protected: it is how operators see the raw gateway.
	Ping(ctx context.Context) error
}

// queuedCharge answers when the gateway cannot: the charge is queued for
// later instead of failing the customer's checkout.
func queuedCharge(ctx context.Context, orderID string, amount int64, err error) (Receipt, error) {
	return Receipt{OrderID: orderID, Amount: amount, Status: "queued"}, nil
}
