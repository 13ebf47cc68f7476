// baldurgen never overwrites a file it did not write.
package foreignfile

import "context"

type Gateway interface {
	//baldur:protected retry
	Charge(ctx context.Context) error
}
