// baldurgen lint --config checks a baldur.yaml against the annotations:
// "policies: {chrage: ...}" loaded silently and left the real policy on its
// defaults.
package config

import "context"

type Gateway interface {
	//baldur:protected name=charge retry idempotent breaker=gateway
	Charge(ctx context.Context, id string) error
	//baldur:protected breaker
	Status(ctx context.Context, id string) (string, error)
}
