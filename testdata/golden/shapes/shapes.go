// Package shapes has a method of every shape a decorator must forward.
package shapes

import (
	"context"
	"io"
	"net/http"
)

type Point struct{ X, Y int }

//baldur:protected retry=2
type Shapes interface {
	// Unnamed, blank and named parameters in one method.
	Mixed(context.Context, string, int) (int, error)
	Blank(ctx context.Context, _ string, _ int) error
	// Variadic: forwarded with ids..., handed to the fallback as a slice.
	//baldur:protected retry=2 fallback=sendFallback
	Send(ctx context.Context, ids ...string) (int, error)
	// Many results.
	Many(ctx context.Context) (a int, b string, c []byte, d map[string]int, e error)
	// Pointer, slice, array, map, every channel direction, func and struct.
	Kinds(ctx context.Context, p *Point, s []Point, a [4]byte, m map[Point][]*Point,
		c chan int, in <-chan string, out chan<- error, nested chan (<-chan int),
		fn func(context.Context, ...int) (bool, error),
		anon struct {
			Name string `json:"name,omitempty"`
			Point
		}) (func() error, error)
	// Interface literal and types from the standard library.
	Stream(ctx context.Context, r io.Reader, h interface{ Header() http.Header }) (io.ReadCloser, error)
	// No results: passed through.
	Fire(ctx context.Context, event string)
	// No context.
	Plain(s string) error
}

func sendFallback(ctx context.Context, ids []string, err error) (int, error) {
	return -len(ids), nil
}
