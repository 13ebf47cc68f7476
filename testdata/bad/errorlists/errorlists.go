// retry_on, abort_on and ignore take error variables, resolved through
// go/types.
package errorlists

import (
	"context"
	"errors"
)

var ErrTemporary = errors.New("temporary")

type NotAnError int

var notErr NotAnError

type Gateway interface {
	//baldur:protected retry retry_on=ErrTemprary
	A(ctx context.Context) error
	//baldur:protected retry abort_on=notErr
	B(ctx context.Context) error
	//baldur:protected retry ignore=NotAnError
	C(ctx context.Context) error
	//baldur:protected retry_on=ErrTemporary
	D(ctx context.Context) error
	//baldur:protected retry retry_on=io.EOF,errors.ErrUnsupported,,
	E(ctx context.Context) error
	//baldur:protected retry ignore=erors.ErrUnsupported
	F(ctx context.Context) error
}
