// Generated names that clash with declarations or with each other (#15).
package collision

import "context"

type Gateway interface {
	//baldur:protected retry
	Charge(ctx context.Context) error
	//baldur:protected retry name=collision.gateway.charge
	Refund(ctx context.Context) error
}

// GatewayProtected is the user's own type with the generated name.
type GatewayProtected struct{}

type A interface {
	//baldur:protected retry
	Get(ctx context.Context) error
}

// NewA generates NewAProtected as its type, which is A's constructor.
type NewA interface {
	//baldur:protected retry
	Get(ctx context.Context) error
}
