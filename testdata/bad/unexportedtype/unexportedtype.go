// A signature with another package's unexported type cannot be spelled
// here (#14), and another package's unexported method cannot be
// implemented here.
package unexportedtype

import (
	"context"

	"github.com/baldur-go/baldur/testdata/lib/other"
)

//baldur:protected retry
type Gateway interface {
	other.Leaky
	Charge(ctx context.Context) error
}

//baldur:protected retry
type Vault interface {
	other.Sealed
}
