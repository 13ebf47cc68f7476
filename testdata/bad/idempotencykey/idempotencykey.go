// idempotency_key must name a parameter path of a key type (#6,
// #7), and what it deduplicates must survive a store.
package idempotencykey

import (
	"context"

	"github.com/baldur-go/baldur/testdata/lib/other"
)

type Request struct {
	OrderID string
	Tags    map[string]string
	secret  string
	Order   *Order
}

type Order struct{ ID int64 }

func (o Order) Ref() string { return "" }

type Gateway interface {
	//baldur:protected idempotency_key=orderId
	A(ctx context.Context, orderID string) error
	//baldur:protected idempotency_key=req.OrderId
	B(ctx context.Context, req *Request) error
	//baldur:protected idempotency_key=req.Tags
	C(ctx context.Context, req Request) error
	//baldur:protected idempotency_key=t.Value.x
	D(ctx context.Context, t other.Token) error
	//baldur:protected idempotency_key=req.Order.Ref
	E(ctx context.Context, req Request) error
	//baldur:protected idempotency_key=req.Order()
	F(ctx context.Context, req Request) error
	//baldur:protected idempotency_key=ctx
	G(ctx context.Context, id string) error
	//baldur:protected idempotency_key=id
	H(ctx context.Context, id string, done chan struct{}) error
	//baldur:protected idempotency_key=id
	I(ctx context.Context, id string) (func(), error)
	//baldur:protected idempotency_key=id()
	J(ctx context.Context, id string) error
	//baldur:protected idempotency_key="req.Order..ID"
	K(ctx context.Context, req Request) error
	//baldur:protected idempotency_ttl=24h
	L(ctx context.Context, id string) error
	//baldur:protected idempotency_key=id idempotency_ttl=forever
	M(ctx context.Context, id string) error
	//baldur:protected idempotency_key=ok
	N(ctx context.Context, ok bool) error
}
