// A fallback naming a method of the interface would recurse (#10).
package fallbackrecursion

import "context"

type Gateway interface {
	//baldur:protected fallback=Refund
	Charge(ctx context.Context, id string) error
	Refund(ctx context.Context, id string) error
}
