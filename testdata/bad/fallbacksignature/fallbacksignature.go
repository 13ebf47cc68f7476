// Fallbacks whose signature does not match the method (#9).
package fallbacksignature

import "context"

type Gateway interface {
	//baldur:protected fallback=missingErr
	A(ctx context.Context, id string) (int, error)
	//baldur:protected fallback=wrongResults
	B(ctx context.Context, id string) (int, error)
	//baldur:protected fallback=missingCtx
	C(ctx context.Context, id string) (int, error)
	//baldur:protected fallback=notAFunc
	D(ctx context.Context, id string) (int, error)
}

func missingErr(ctx context.Context, id string) (int, error)              { return 0, nil }
func wrongResults(ctx context.Context, id string, err error) (string, error) { return "", nil }
func missingCtx(id string, err error) (int, error)                        { return 0, nil }

var notAFunc = 3
