//go:build !baldur_exclude

package multi

import "context"

type Stock interface {
	//baldur:protected retry=2 breaker=backend timeout=2m30s
	Reserve(ctx context.Context, sku string, n int) (bool, error)
}
