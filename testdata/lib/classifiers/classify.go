// Package classifiers is a classifier package outside the annotated one,
// as grpcbaldur or pgxbaldur are: classify= names it qualified.
package classifiers

import (
	"errors"

	baldur "github.com/baldur-go/baldur/runtime"
)

// ErrOverloaded is retried whatever the policy's lists say.
var ErrOverloaded = errors.New("classifiers: overloaded")

// Classify retries ErrOverloaded and leaves everything else to the lists.
func Classify(_ baldur.PolicyContext, err error) baldur.Decision {
	if errors.Is(err, ErrOverloaded) {
		return baldur.DecideRetry
	}
	return baldur.DecideDefault
}
