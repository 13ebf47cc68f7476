// Unknown keys suggest the nearest valid key and list them all (#3).
package unknownkey

import "context"

type Gateway interface {
	//baldur:protected retyr=3 max_atempts=3
	Charge(ctx context.Context) error
}
