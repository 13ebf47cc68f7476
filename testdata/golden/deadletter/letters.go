// Package deadletter captures calls that fail for good and replays them:
// dlq with a fallback and an idempotency key, without a fallback, on a
// method without a context, with a variadic argument, and with a
// parameter named like the generated locals.
package deadletter

import (
	"context"
	"errors"
	"strings"

	baldur "github.com/baldur-go/baldur/runtime"
)

//go:generate go run github.com/baldur-go/baldur/cmd/baldurgen

var ErrUnavailable = errors.New("unavailable")

type Receipt struct {
	OrderID string `json:"order_id"`
	Status  string `json:"status"`
}

// Address is a struct argument: it is encoded whole.
type Address struct {
	Street string
	City   string
}

// Payments captures its failed calls for replay.
type Payments interface {
	//baldur:protected name=dl-charge retry=2 breaker=payments idempotency_key=orderID fallback=queued dlq
	Charge(ctx context.Context, orderID string, amount int64) (Receipt, error)

	//baldur:protected name=dl-ship retry=2 dlq
	Ship(ctx context.Context, orderID string, to Address, express bool) error

	//baldur:protected name=dl-tag dlq
	Tag(ctx context.Context, orderID string, tags ...string) error

	//baldur:protected name=dl-publish dlq
	Publish(topic string, pc, data int) (int, error)

	// Refund's key is made by MarshalText, which can fail: the key is
	// made before the protected path, by the call and by its replay.
	//baldur:protected name=dl-refund retry=2 idempotency_key=id dlq
	Refund(ctx context.Context, id RefundID, amount int64) error
}

// RefundID is a key that marshals itself; an empty one cannot.
type RefundID struct{ Order string }

func (r RefundID) MarshalText() ([]byte, error) {
	if r.Order == "" {
		return nil, errors.New("refund id without an order")
	}
	return []byte("refund-" + r.Order), nil
}

func (r *RefundID) UnmarshalText(b []byte) error {
	r.Order = strings.TrimPrefix(string(b), "refund-")
	return nil
}

// queued says "queued" only when it is true: the call was captured.
func queued(ctx context.Context, orderID string, amount int64, err error) (Receipt, error) {
	if errors.Is(err, baldur.ErrDeadLettered) {
		return Receipt{OrderID: orderID, Status: "queued"}, nil
	}
	return Receipt{}, err
}
