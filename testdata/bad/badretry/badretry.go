// Retry values out of range or not numbers (#5).
package badretry

import "context"

type Gateway interface {
	//baldur:protected retry="three"
	A(ctx context.Context) error
	//baldur:protected retry=0
	B(ctx context.Context) error
	//baldur:protected retry=-1
	C(ctx context.Context) error
	//baldur:protected retry=1e9
	D(ctx context.Context) error
	//baldur:protected retry=101
	E(ctx context.Context) error
}
