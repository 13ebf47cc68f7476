// Package imports uses two imported packages with the same name, and
// parameters named like imports and like the decorator's own locals.
package imports

import (
	"context"
	"io"
	"time"

	aerrors "github.com/baldur-go/baldur/testdata/lib/aerrors"
	berrors "github.com/baldur-go/baldur/testdata/lib/berrors"
	"github.com/baldur-go/baldur/testdata/lib/other"
)

// baldur is a package-level name that the runtime's import must avoid.
var baldur = "not the runtime"

// Clashes is protected method by method.
type Clashes interface {
	//baldur:protected retry=3 retry_on=aerrors.ErrTransient,io.ErrUnexpectedEOF abort_on=berrors.ErrFatal
	Codes(ctx context.Context, a aerrors.Code, b berrors.Code) (aerrors.Code, berrors.Code, error)

	//baldur:protected retry=2 timeout=1s
	Wait(ctx context.Context, time time.Duration, next string, err error, d int, r0 bool) (time.Duration, error)

	//baldur:protected retry=2 fallback=contextFallback
	Shadow(context context.Context, baldur string, other other.Token) (string, error)

	// io is named by retry_on above and used here.
	Copy(ctx context.Context, w io.Writer) (int64, error)
}

func contextFallback(ctx context.Context, b string, t other.Token, err error) (string, error) {
	return "fallback:" + b + t.Value, nil
}
