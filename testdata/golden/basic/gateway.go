// Package basic is the everyday shape: retry, a shared breaker, a timeout,
// a fallback, error lists, interface defaults and a skipped method.
package basic

import (
	"context"
	"errors"
)

//go:generate go run github.com/baldur-go/baldur/cmd/baldurgen

type Receipt struct {
	OrderID string
	Status  string
}

var (
	ErrUnavailable = errors.New("unavailable")
	ErrDeclined    = errors.New("declined")
	ErrFraud       = errors.New("fraud")
)

// PaymentGateway is a remote payment provider.
type PaymentGateway interface {
	//baldur:protected name=charge-customer retry=3 breaker=gateway timeout=250ms fallback=queuedCharge ignore=ErrDeclined abort_on=ErrFraud
	Charge(ctx context.Context, orderID string, amount int64) (Receipt, error)

	//baldur:protected retry retry_on=ErrUnavailable breaker=gateway
	Refund(ctx context.Context, orderID string) error

	Ping(ctx context.Context) error
}

func queuedCharge(ctx context.Context, orderID string, amount int64, err error) (Receipt, error) {
	return Receipt{OrderID: orderID, Status: "queued"}, nil
}

// Ledger is protected as a whole by its interface-level defaults.
//
//baldur:protected retry=2 breaker
type Ledger interface {
	Record(ctx context.Context, entry string) error
	Balance(ctx context.Context) (int64, error)

	//baldur:skip
	Close() error

	// Name has no error result, so the defaults pass it through.
	Name() string
}
