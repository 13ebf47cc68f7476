// Package unexported decorates an unexported interface.
package unexported

import "context"

type store interface {
	//baldur:protected retry=2
	load(ctx context.Context, id string) ([]byte, error)
	save(ctx context.Context, id string, b []byte) error
}
