// Mistakes in a baldurgen.yaml, each reported at its line:col.
package foreignconfig

import "context"

type Local interface {
	//baldur:protected retry idempotent
	Get(ctx context.Context) error
}
