// A fallback that does not exist, with a suggestion (#8).
package fallbackmissing

import "context"

type Gateway interface {
	//baldur:protected fallback=chargeFallback
	Charge(ctx context.Context, orderID string) (string, error)
}

func chargeFalback(ctx context.Context, orderID string, err error) (string, error) {
	return "", err
}
