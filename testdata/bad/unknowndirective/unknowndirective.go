// Unknown directive with a nearest suggestion (#2).
package unknowndirective

import "context"

type Gateway interface {
	//baldur:protectd retry
	Charge(ctx context.Context) error
	//baldur:retyr
	Refund(ctx context.Context) error
}
