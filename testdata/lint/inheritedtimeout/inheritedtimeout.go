// An interface-level timeout cannot apply to a method without a context.
package inheritedtimeout

import "context"

//baldur:protected timeout=1s
type Cache interface {
	Get(ctx context.Context, key string) (string, error)
	Flush() error
}
