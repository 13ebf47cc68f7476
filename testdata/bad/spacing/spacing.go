// "// baldur:protected" with a space would be prose to Go; say so.
package spacing

import "context"

type Gateway interface {
	// baldur:protected retry
	Charge(ctx context.Context) error
	//baldur:skip now
	Refund(ctx context.Context) error
	//baldur:skip
	//baldur:protected retry
	Void(ctx context.Context) error
}
