// A constraint interface has no values to decorate (#12).
package constraint

import "context"

//baldur:protected retry
type Number interface {
	~int | ~float64
	Get(ctx context.Context) error
}
