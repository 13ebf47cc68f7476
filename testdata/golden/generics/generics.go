// Package generics has generic interfaces with constraints and a generic
// fallback.
package generics

import (
	"context"
	"fmt"
)

type Number interface {
	~int | ~int64 | ~float64
}

// Repo is generic over its key and value.
type Repo[K comparable, V any] interface {
	//baldur:protected retry=3 fallback=missing
	Get(ctx context.Context, key K) (V, error)
	//baldur:protected retry=2 breaker=repo dlq
	Put(ctx context.Context, key K, value V) error
	Keys(ctx context.Context) ([]K, error)
}

func missing[K comparable, V any](ctx context.Context, key K, err error) (V, error) {
	var zero V
	return zero, fmt.Errorf("missing %v: %w", key, err)
}

// Summer has a union constraint and a constraint from another package.
//
//baldur:protected retry=2
type Summer[T Number, S fmt.Stringer] interface {
	Sum(ctx context.Context, xs ...T) (T, error)
	Label(ctx context.Context, s S) (string, error)
}
