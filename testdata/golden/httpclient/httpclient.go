// Package httpclient protects HTTP clients (issue 11): an http.RoundTripper
// named in baldurgen.yaml, and an interface of its own whose methods send
// an *http.Request or answer with an *http.Response. Each attempt sends a
// fresh clone of the request with its body from GetBody, a 503 is a
// failure, and a timeout bounds the wait for the response, not the reading
// of its body.
package httpclient

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/baldur-go/baldur/runtime/httpbaldur"
)

var ErrOffline = errors.New("offline")

// The annotation names httpbaldur, whose import this keeps.
var _ = httpbaldur.Classify

type API interface {
	// Get answers with a response whose body is read after the call
	// returns, under a timeout.
	//baldur:protected retry=2 timeout=1s idempotent
	Get(ctx context.Context, url string) (*http.Response, error)
	// Send takes its context from the request.
	//baldur:protected retry=3 idempotent
	Send(req *http.Request) error
	// Download's result outlives the call: it is made with the caller's
	// context, and each attempt still sends a clone of the request.
	//baldur:protected retry=3 idempotent
	Download(req *http.Request) (io.ReadCloser, error)
	// Fetch is judged by httpbaldur.Classify: other 5xx fail without a
	// retry, 4xx are the caller's business.
	//baldur:protected retry=3 idempotent breaker=api classify=httpbaldur.Classify
	Fetch(ctx context.Context, url string) (*http.Response, error)
	// Do has both; a fallback answers when it fails for good.
	//baldur:protected retry=3 idempotent fallback=offline
	Do(ctx context.Context, req *http.Request) (*http.Response, error)
}

// offline answers for Do when the server is down.
func offline(ctx context.Context, req *http.Request, err error) (*http.Response, error) {
	return nil, errors.Join(ErrOffline, err)
}
