// A package that does not type-check generates nothing (#24).
package typeerrors

import "context"

type Gateway interface {
	//baldur:protected retry
	Charge(ctx context.Context, r Receipt) error
}

var x int = "not an int"
