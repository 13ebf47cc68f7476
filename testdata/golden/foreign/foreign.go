// Package foreign decorates interfaces it does not own, named in its
// baldurgen.yaml, next to one of its own.
package foreign

import (
	"context"
	"errors"
	"net/http"
)

var ErrThrottled = errors.New("throttled")

// Upstream is this package's own interface, annotated as usual.
type Upstream interface {
	//baldur:protected retry=2 idempotent
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// retryRequest is the fallback of the decorated RoundTripper.
func retryRequest(req *http.Request, err error) (*http.Response, error) {
	return nil, errors.Join(ErrThrottled, err)
}
