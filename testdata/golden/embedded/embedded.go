// Package embedded decorates interfaces that embed others, from this
// package and from other packages.
package embedded

import (
	"context"
	"fmt"
	"io"

	"github.com/baldur-go/baldur/testdata/lib/other"
)

// Getter is embedded below; its annotation travels with the method.
type Getter interface {
	//baldur:protected retry=3
	Get(ctx context.Context, id string) (string, error)
}

// Store embeds a local interface, a foreign one and two standard ones.
type Store interface {
	Getter
	other.Reader
	io.Closer
	fmt.Stringer

	//baldur:protected retry=2 breaker
	Put(ctx context.Context, id, value string) error
}

// Defaults protects every method with an error result, embedded ones too.
//
//baldur:protected retry=2
type Defaults interface {
	other.Reader
	io.Closer
	fmt.Stringer
}
