// A protected method must return error last (#17).
package noerror

import "context"

type Gateway interface {
	//baldur:protected retry
	Charge(ctx context.Context) int
	//baldur:protected breaker
	Refund(ctx context.Context) (error, int)
}
