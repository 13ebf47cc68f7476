// Annotations on anything but an interface or its methods (#11).
package notinterface

import "context"

//baldur:protected retry
type Gateway struct{}

//baldur:protected retry
func Charge(ctx context.Context) error { return nil }

//baldur:protected retry
var limit = 3

type Store interface {
	Get(ctx context.Context) error
}

type impl struct {
	//baldur:protected retry
	field int
}

func use() {
	//baldur:protected retry
	type local interface {
		Get(ctx context.Context) error
	}
}
