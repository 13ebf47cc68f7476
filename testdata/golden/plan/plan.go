// Package plan is explained by baldurgen plan: every layer, with the
// configuration of baldur.yaml merged over the annotations, and the
// explanation the runtime gives of the decorators it built is the same.
package plan

import (
	"context"
	"errors"

	baldur "github.com/baldur-go/baldur/runtime"
)

//go:generate go run github.com/baldur-go/baldur/cmd/baldurgen

var (
	ErrUnavailable = errors.New("unavailable")
	ErrDeclined    = errors.New("declined")
)

type Receipt struct{ Status string }

type Customer struct{ Tier string }

// Gateway has every layer on Charge, and less on the others.
type Gateway interface {
	//baldur:protected name=plan-charge retry=3 breaker=plan-gateway timeout=300ms idempotency_key=orderID fallback=queued dlq ignore=ErrDeclined context=customer.Tier
	Charge(ctx context.Context, orderID string, amount int64, customer Customer) (Receipt, error)

	//baldur:protected name=plan-status retry retry_on=ErrUnavailable
	Status(ctx context.Context, orderID string) (string, error)

	//baldur:protected name=plan-query breaker=plan-db breaker_key=host classify=decide
	Query(ctx context.Context, host string) error
}

func queued(ctx context.Context, orderID string, amount int64, customer Customer, err error) (Receipt, error) {
	return Receipt{Status: "queued"}, nil
}

func decide(pc baldur.PolicyContext, err error) baldur.Decision { return baldur.DecideDefault }
