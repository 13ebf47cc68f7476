// A fallback that calls the method it stands in for.
package fallbackcalls

import "context"

type Gateway interface {
	//baldur:protected idempotent retry fallback=chargeAgain
	Charge(ctx context.Context, id string) (string, error)
	//baldur:protected idempotent retry fallback=refundThroughDecorator
	Refund(ctx context.Context, id string) error
}

var backup Gateway

func chargeAgain(ctx context.Context, id string, err error) (string, error) {
	return backup.Charge(ctx, id)
}

// decorated is the generated decorator (fallbackcalls_baldur.go).
var decorated *GatewayProtected

func refundThroughDecorator(ctx context.Context, id string, err error) error {
	return decorated.Refund(ctx, id)
}
