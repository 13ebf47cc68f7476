// name and fallback apply to one method; skip applies to a method.
//
//baldur:protected name=all fallback=f
package interfacekeys

import "context"

// Gateway sets per-method keys as defaults.
//
//baldur:protected name=gateway fallback=f retry
//baldur:skip
type Gateway interface {
	Charge(ctx context.Context) error
}

func f(ctx context.Context, err error) error { return nil }

// Alias annotations belong on the real declaration.
//
//baldur:protected retry
type Alias = interface {
	Get(ctx context.Context) error
}
