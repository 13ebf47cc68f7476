// baldurgen lint --config checks each override's when against the fields
// the policy's calls carry: an override keyed by a field no method
// provides loads fine and never applies.
package overrides

import "context"

type Customer struct{ Tier string }

type Gateway interface {
	//baldur:protected name=ov-charge retry idempotent context=customer.Tier
	Charge(ctx context.Context, orderID string, customer *Customer) error

	//baldur:protected name=ov-ping
	Ping(ctx context.Context) error

	//baldur:protected name=ov-query breaker=ov-db breaker_key=host
	Query(ctx context.Context, host string) error
}
