// classify= is checked like a fallback, the expected signature printed:
// a missing func gets the nearest name, and the results it reads must be
// the method's.
package classify

import (
	"context"

	baldur "github.com/baldur-go/baldur/runtime"
)

type Health struct{ Status string }

var notAFunc = 3

func decide(pc baldur.PolicyContext, err error) baldur.Decision { return baldur.DecideDefault }

func wrong(err error) bool { return false }

func judgeString(pc baldur.PolicyContext, s string, err error) baldur.Decision {
	return baldur.DecideDefault
}

func generic[T any](pc baldur.PolicyContext, err error) baldur.Decision { return baldur.DecideDefault }

type Gateway interface {
	//baldur:protected retry idempotent classify=decidee
	Missing(ctx context.Context) error

	//baldur:protected classify=notAFunc
	Variable(ctx context.Context) error

	//baldur:protected classify=wrong
	Signature(ctx context.Context) (*Health, error)

	//baldur:protected classify=judgeString
	Results(ctx context.Context) (*Health, error)

	//baldur:protected classify=judgeString
	NoResults(ctx context.Context) error

	//baldur:protected classify=generic
	Generic(ctx context.Context) error

	//baldur:protected classify=Check
	Method(ctx context.Context) error
	Check(ctx context.Context) error

	//baldur:protected classify=baldur.Classify
	Qualified(ctx context.Context) error
}

var _ = decide
