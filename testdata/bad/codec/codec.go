// An idempotency key fingerprints the other arguments and stores the
// results as JSON. encoding/json drops unexported fields silently, so
// before this check Money{cents, currency} fingerprinted to {} (the same
// key with another amount was not ErrKeyReused) and a duplicate received a
// zero Money (#23, and #7 for the key itself). Every value that
// would not survive the codec is refused, naming the field.
package codec

import (
	"context"
	"math/big"
)

// Money keeps its fields to itself and has no marshaller.
type Money struct {
	cents    int64
	currency string
}

type Line struct {
	SKU   string
	Price Money
}

type Order struct {
	Lines []Line
}

// Cents marshals itself, but only through a pointer.
type Cents struct{ n int64 }

func (c *Cents) MarshalJSON() ([]byte, error) { return nil, nil }
func (c *Cents) UnmarshalJSON([]byte) error   { return nil }

// Level writes itself as text and cannot read it back.
type Level struct{ n int }

func (l Level) MarshalText() ([]byte, error) { return nil, nil }

type point struct{ X, Y int }

type inner struct{ N int }

// Wrapped embeds a pointer to an unexported struct: encodable, but JSON
// cannot allocate it when decoding.
type Wrapped struct {
	*inner
}

type Charges interface {
	//baldur:protected idempotency_key=id
	Charge(ctx context.Context, id string, amount Money) error

	//baldur:protected idempotency_key=id
	Place(ctx context.Context, id string, order *Order) error

	//baldur:protected idempotency_key=id
	Split(ctx context.Context, id string, parts map[string][]Money, by map[point]int) error

	//baldur:protected idempotency_key=id
	Quote(ctx context.Context, id string) (Money, error)

	// A pointer receiver's MarshalJSON is not called on a value held in
	// the arguments; behind a pointer, or in a slice, it is.
	//baldur:protected idempotency_key=id
	Cents(ctx context.Context, id string, c Cents, ok *Cents, alsoOK []Cents, big big.Int) error

	//baldur:protected idempotency_key=id
	Levels(ctx context.Context, id string, arg Level) (Level, Wrapped, error)
}
