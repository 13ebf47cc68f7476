// The generated file beside this one was written before Refund was added
// and before Charge's retry changed: baldurgen check must report it
// (#25). It is stale on purpose.
package stale

import "context"

type Gateway interface {
	//baldur:protected retry=5 idempotent
	Charge(ctx context.Context, id string) error
	//baldur:protected retry idempotent
	Refund(ctx context.Context, id string) error
}
