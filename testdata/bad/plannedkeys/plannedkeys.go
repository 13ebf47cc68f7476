// Keys of later work are rejected until they are implemented.
package plannedkeys

import "context"

type Gateway interface {
	//baldur:protected retry idempotent compensate=Refund
	Charge(ctx context.Context, orderID string) error
	Refund(ctx context.Context, orderID string) error
}
