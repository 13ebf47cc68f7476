// Package idempotency deduplicates calls by business key, in every shape a
// key can take.
package idempotency

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

var ErrUnavailable = errors.New("unavailable")

type Receipt struct {
	OrderID string
	Amount  int64
	Status  string
}

type OrderID string

type Request struct {
	Customer *Customer
	Amount   int64
	Note     string
}

type Customer struct {
	ID  uint64
	Ref *string
}

type Ticket struct{ n int }

func (t *Ticket) String() string { return "ticket-" + string(rune('0'+t.n)) }

type Payments interface {
	//baldur:protected name=charge idempotency_key=orderID idempotency_ttl=48h retry=3 retry_on=ErrUnavailable fallback=queued
	Charge(ctx context.Context, orderID string, amount int64) (Receipt, error)

	// A named string type, and only an error result.
	//baldur:protected idempotency_key=id
	Refund(ctx context.Context, id OrderID, reason string) error

	// A field path through pointers: a nil on the way is a missing key.
	//baldur:protected idempotency_key=req.Customer.ID
	Subscribe(ctx context.Context, req *Request) (string, time.Time, error)

	// A pointer to a string at the end of the path.
	//baldur:protected idempotency_key=req.Customer.Ref
	Invoice(ctx context.Context, req Request) (int, error)

	// A fmt.Stringer behind a pointer, and variadic arguments.
	//baldur:protected idempotency_key=t
	Book(ctx context.Context, t *Ticket, seats ...int) ([]int, error)

	// An encoding.TextMarshaler, called as a method of the parameter.
	//baldur:protected idempotency_key=addr
	Allow(ctx context.Context, addr netip.Addr) (bool, error)

	// A method without arguments at the end of the path.
	//baldur:protected idempotency_key=req.Key()
	Note(ctx context.Context, req Keyed) error

	// An encoding.TextMarshaler behind pointers, whose marshalling can
	// fail: that error is the caller's and goes back as is, before the
	// method runs and without the fallback.
	//baldur:protected idempotency_key=req.Code fallback=lookupFallback
	Lookup(ctx context.Context, req *LookupRequest) (Receipt, *time.Time, error)
}

// LookupRequest is keyed by its code.
type LookupRequest struct{ Code *Code }

// Code is a key that refuses to be empty.
type Code string

var ErrEmptyCode = errors.New("empty code")

func (c *Code) MarshalText() ([]byte, error) {
	if *c == "" {
		return nil, ErrEmptyCode
	}
	return []byte(*c), nil
}

func lookupFallback(ctx context.Context, req *LookupRequest, err error) (Receipt, *time.Time, error) {
	return Receipt{Status: "fallback"}, nil, nil
}

// Keyed carries its own key.
type Keyed struct{ K int32 }

func (k Keyed) Key() int32 { return k.K }

func queued(ctx context.Context, orderID string, amount int64, err error) (Receipt, error) {
	return Receipt{OrderID: orderID, Amount: amount, Status: "queued"}, nil
}
