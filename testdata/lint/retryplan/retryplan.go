// Retry plans that may repeat a side effect or replay a consumed argument
// (#19, #20).
package retryplan

import (
	"context"
	"io"
)

type Uploader interface {
	//baldur:protected retry
	Charge(ctx context.Context, orderID string) error

	//baldur:protected retry idempotent
	Lookup(ctx context.Context, id string) (string, error)

	//baldur:protected retry=2 idempotent
	Upload(ctx context.Context, body io.Reader, rc io.ReadCloser) error

	//baldur:protected retry=2 idempotent
	Drain(ctx context.Context, ch <-chan []byte, each func([]byte) error) error
}
