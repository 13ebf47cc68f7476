// breaker_key keys a breaker: it needs one, names a parameter, a field
// path or a field, of a basic kind, never a sensitive value, and a
// breaker is keyed for every method or for none.
package breakerkey

import "context"

type Request struct {
	Tenant struct{ ID, Region string }
	Hosts  []string
}

type DB interface {
	//baldur:protected breaker_key=host
	NoBreaker(ctx context.Context, host string) error

	//baldur:protected breaker=db breaker_key=hots
	Unknown(ctx context.Context, host string) error

	//baldur:protected breaker=db2 breaker_key=req.Hosts
	NotBasic(ctx context.Context, req Request) error

	//baldur:protected breaker=db3 breaker_key=secret sensitive=secret
	Sensitive(ctx context.Context, secret string) error

	//baldur:protected breaker=db4 breaker_key=host
	Keyed(ctx context.Context, host string) error

	//baldur:protected breaker=db4
	Unkeyed(ctx context.Context, host string) error
}
