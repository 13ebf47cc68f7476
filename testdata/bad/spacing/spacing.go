// "// baldur:protected" with a space, or in a /* */ comment, would be prose
// to Go and silently ignored; say so.
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
	/*baldur:protected retry*/
	Capture(ctx context.Context) error
	/*
		baldur:skip
	*/
	Close() error
}

/* baldur:protected retry */
func helper() {}
