// Package decisions reads the call: PolicyContext fields from parameters
// and field paths (through nil pointers), a sensitive parameter kept out,
// classify in both forms and from another package, and breakers keyed by a
// parameter and by a field path.
package decisions

import (
	"context"
	"errors"

	"github.com/baldur-go/baldur/testdata/lib/classifiers"

	baldur "github.com/baldur-go/baldur/runtime"
)

//go:generate go run github.com/baldur-go/baldur/cmd/baldurgen

var (
	ErrUnavailable = errors.New("unavailable")
	ErrDeclined    = errors.New("declined")
	ErrFraud       = errors.New("fraud")
)

// Tier is a named string: its field is converted.
type Tier string

type Customer struct {
	ID      string
	Tier    Tier
	Segment string
}

// Request reaches the customer through a pointer that may be nil.
type Request struct {
	Customer *Customer
	Tenant   Tenant
	Total    float64
}

// Tenant is embedded by value in nothing and named by breaker_key through
// a field path.
type Tenant struct {
	Name  string
	Shard uint16
}

type Receipt struct {
	OrderID string
	Status  string
}

// Health is a response a classifier judges: SERVING or NOT_SERVING.
type Health struct{ Status string }

type Gateway interface {
	// Charge has three fields (order_id, tier, segment), keeps the card
	// number out, and an error-only classifier.
	//baldur:protected name=dec-charge retry=3 breaker=dec-gateway context=req.Customer.Tier,segment:req.Customer.Segment sensitive=cardNumber classify=classifyCharge fallback=declined
	Charge(ctx context.Context, orderID string, req *Request, cardNumber string) (Receipt, error)

	// Plain is the same method without fields, classify or overrides, for
	// the benchmarks' comparison.
	//baldur:protected name=dec-plain retry=3 breaker=dec-gateway
	Plain(ctx context.Context, orderID string, req *Request, cardNumber string) (Receipt, error)

	// Check judges its results: NOT_SERVING is a failure to retry.
	//baldur:protected name=dec-check retry=3 classify=judgeHealth
	Check(ctx context.Context, service string) (*Health, error)

	// Query keeps a breaker per database host; its classifier retries an
	// error retry_on does not list.
	//baldur:protected name=dec-query retry=2 retry_on=ErrUnavailable breaker=dec-db breaker_key=host classify=classifiers.Classify idempotent
	Query(ctx context.Context, host string, sql string) (int, error)

	// Store keeps a breaker per tenant shard, a field path.
	//baldur:protected name=dec-store breaker=dec-shards breaker_key=req.Tenant.Shard context=tenant:req.Tenant.Name
	Store(ctx context.Context, req Request) error
}

// classifyCharge reads the error and the call: a decline is the
// customer's answer, fraud is never retried, and a gold customer's
// unavailable gateway fails at once (its fallback answers fast).
func classifyCharge(pc baldur.PolicyContext, err error) baldur.Decision {
	switch tier, _ := pc.Field("tier"); {
	case errors.Is(err, ErrDeclined):
		return baldur.DecideIgnore
	case errors.Is(err, ErrFraud):
		return baldur.DecideFail
	case errors.Is(err, ErrUnavailable) && tier == "gold":
		return baldur.DecideFail
	}
	return baldur.DecideDefault
}

// judgeHealth retries a dependency that answers but is not serving.
func judgeHealth(pc baldur.PolicyContext, h *Health, err error) baldur.Decision {
	if err == nil && h != nil && h.Status == "NOT_SERVING" {
		return baldur.DecideRetry
	}
	return baldur.DecideDefault
}

func declined(ctx context.Context, orderID string, req *Request, cardNumber string, err error) (Receipt, error) {
	return Receipt{OrderID: orderID, Status: "fallback"}, nil
}

// Query's annotation names classifiers.Classify; the Go compiler wants the
// import used by the file itself too.
var _ = classifiers.Classify
