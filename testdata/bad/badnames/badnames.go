// Names must be lower-case policy names; values never reach code raw (#22).
package badnames

import "context"

type Gateway interface {
	//baldur:protected name=Charge_V2
	A(ctx context.Context) error
	//baldur:protected name="çharge"
	B(ctx context.Context) error
	//baldur:protected breaker="shared breaker"
	C(ctx context.Context) error
	//baldur:protected name=
	D(ctx context.Context) error
}
