package baldur

import (
	"errors"
	"time"
)

// ClientErrors teaches a Runtime what a client library's errors say that
// errors.Is cannot: that the peer was never reached, and how long the peer
// asked to be left alone. Classifier packages (grpcbaldur, pgxbaldur,
// redisbaldur) provide one; the core imports none of their modules.
// Either function may be nil.
type ClientErrors struct {
	// Connection reports that err is a failure to reach the peer, as
	// IsConnectionError does for the standard library's errors: with
	// mesh.owns_network_retries such an error is left to the mesh. gRPC,
	// for one, reports a refused dial as a status, not as a net error.
	Connection func(err error) bool
	// RetryAfter reports the delay the peer asked for before the next
	// attempt, when err carries one the library's own type holds (a gRPC
	// RetryInfo detail, say). Errors of a type with a RetryAfter method
	// need no hook: see RetryAfter.
	RetryAfter func(err error) (time.Duration, bool)
}

// WithClientErrors adds a client library's reading of its errors to the
// runtime's. It may be given once per library; each reading only knows its
// own library's errors, so the order does not matter.
func WithClientErrors(c ClientErrors) Option {
	return func(rt *Runtime) error {
		if c.Connection == nil && c.RetryAfter == nil {
			return errors.New("baldur: WithClientErrors: neither Connection nor RetryAfter is set")
		}
		rt.clients = append(rt.clients, c)
		return nil
	}
}

// IsConnectionError is the package's IsConnectionError with the readings
// given by WithClientErrors: what the mesh switch applies to.
func (rt *Runtime) IsConnectionError(err error) bool {
	return IsConnectionError(err) || rt.clientConnectionError(err)
}

// clientConnectionError asks only the libraries' readings; the retry
// path's shortcut for errors that wrap nothing needs no more.
func (rt *Runtime) clientConnectionError(err error) bool {
	for _, c := range rt.clients {
		if c.Connection != nil && c.Connection(err) {
			return true
		}
	}
	return false
}

// RetryAfterError is an error from a peer that asked to be called again no
// sooner than RetryAfter: an HTTP 429 or 503 with a Retry-After header,
// say (httpbaldur's StatusError is one).
type RetryAfterError interface {
	error
	RetryAfter() time.Duration
}

// RetryAfter reports the delay asked for by the first error in err's chain
// that implements RetryAfterError.
func RetryAfter(err error) (time.Duration, bool) {
	// A walk of the chain rather than errors.As: it runs once per failed
	// attempt, and errors.As's target would escape to the heap.
	for err != nil {
		switch e := err.(type) {
		case RetryAfterError:
			return e.RetryAfter(), true
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if d, ok := RetryAfter(inner); ok {
					return d, true
				}
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

// retryDelay is the wait before attempt n+1 after an attempt failed with
// err: the backoff, or longer when the peer asked for longer, but never
// more than retry.max_delay, which stays the bound on every wait.
func (p *Policy) retryDelay(r *RetryConfig, n int, err error) time.Duration {
	d := r.Delay(n)
	asked, ok := RetryAfter(err)
	for _, c := range p.rt.clients {
		if ok {
			break
		}
		if c.RetryAfter != nil {
			asked, ok = c.RetryAfter(err)
		}
	}
	if ok && asked > d {
		d = min(asked, r.MaxDelay.v)
	}
	return d
}
