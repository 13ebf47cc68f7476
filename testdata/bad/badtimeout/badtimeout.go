// Timeouts that are not Go durations or out of range (#5).
package badtimeout

import "context"

type Gateway interface {
	//baldur:protected timeout="10 sec"
	A(ctx context.Context) error
	//baldur:protected timeout=0s
	B(ctx context.Context) error
	//baldur:protected timeout=25h
	C(ctx context.Context) error
	//baldur:protected timeout
	D(ctx context.Context) error
}
