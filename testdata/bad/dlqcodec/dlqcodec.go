// dlq refuses arguments the codec cannot round-trip, naming the parameter
// (#23): a replay would run with other values than the call had.
package dlqcodec

import (
	"context"
	"io"
)

// Money drops its fields silently in JSON.
type Money struct {
	cents    int64
	currency string
}

type Order struct {
	ID    string
	Total Money
}

type Queue interface {
	//baldur:protected dlq
	Upload(ctx context.Context, name string, body io.Reader) error

	//baldur:protected dlq
	Each(ctx context.Context, each func(string) error, done chan struct{}) error

	//baldur:protected dlq
	Place(ctx context.Context, order Order) error

	//baldur:protected dlq
	Any(ctx context.Context, v any) error
}

// Interface defaults reach every method, each one checked.
//
//baldur:protected dlq
type Batch interface {
	Add(ctx context.Context, id string) error
	Stream(ctx context.Context, ch <-chan []byte) error
}
