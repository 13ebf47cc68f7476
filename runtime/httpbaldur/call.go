package httpbaldur

import (
	"context"
	"io"
	"net/http"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Call carries one protected call that sends an *http.Request or answers
// with an *http.Response through its attempts. Generated decorators use it
// for http.RoundTripper's RoundTrip and every method of that shape; a
// hand-written one reads:
//
//	call := httpbaldur.NewCall(req.Context(), req)
//	var resp *http.Response
//	err := p.Do(req.Context(), nil, func(ctx context.Context) error {
//		attempt, err := call.Request(ctx)
//		if err != nil {
//			return err
//		}
//		resp, err = next.RoundTrip(attempt)
//		resp, err = call.Response(resp, err)
//		return err
//	})
//	return call.Result(resp, err)
//
// What it guarantees:
//
//   - Each attempt sends a fresh clone of the request. Its body is the
//     request's own for the first attempt and a new one from GetBody for the
//     others; a body without GetBody is sent again only if no attempt read
//     from it, and otherwise the failure is not retried (see
//     ErrBodyNotRewindable), never sent empty or half-read.
//   - A response with a transient status (408, 429, 502, 503, 504) is a
//     failure: its error is a *StatusError, with the server's Retry-After,
//     and the response is drained and closed when another attempt starts.
//     When attempts run out, the last one is returned as it is.
//   - A per-attempt timeout bounds the wait for the response, not the
//     reading of its body: the response is read under a context that the
//     caller's context still ends, and that ends when the body is closed.
//
// A Call is used by one call, from the goroutine that runs its attempts.
type Call struct {
	ctx    context.Context // the call's: every attempt's request context derives from it
	req    *http.Request   // nil for a method that takes none
	shot   *oneShot        // the body, when the request has no GetBody
	handed bool            // req.Body itself went to an attempt, whose RoundTrip closes it
	ended  bool            // the request's body is closed: the call is over
	last   *http.Response  // the last attempt's response, dropped when another starts
	judged *http.Response  // the last response Response judged a failure
	// Of the attempt in flight, when it has a deadline of its own:
	attempt context.Context
	cancel  context.CancelFunc // ends the response's context
	stop    func() bool        // keeps the attempt's deadline from ending it
}

// NewCall starts a call made under ctx (the request's context for a
// RoundTrip). req is nil for a method that answers with an *http.Response
// without taking a request.
func NewCall(ctx context.Context, req *http.Request) Call {
	return Call{ctx: ctx, req: req}
}

// Request returns the request one attempt sends: a clone of the call's
// request, with a body of its own and a context derived from attempt. It
// fails, with an error that is not retried, when the body cannot be sent
// again or GetBody fails.
func (c *Call) Request(attempt context.Context) (*http.Request, error) {
	body, err := c.body()
	if err != nil {
		// The last response, if any, stays the call's answer.
		return nil, err
	}
	r := c.req.Clone(c.begin(attempt))
	r.Body = body
	return r, nil
}

// Context returns the context one attempt of a method without an
// *http.Request hands the call: attempt's deadline bounds the wait for the
// response, and the response's body is read under a context that lives
// until the body is closed.
func (c *Call) Context(attempt context.Context) context.Context {
	return c.begin(attempt)
}

// begin starts an attempt: the last one's response is dropped, and the
// attempt gets its context.
func (c *Call) begin(attempt context.Context) context.Context {
	Discard(c.last)
	c.last, c.judged = nil, nil
	if attempt.Done() == c.ctx.Done() {
		// No deadline of the attempt's own: the call's context serves.
		return attempt
	}
	// The attempt's context is cancelled as soon as the attempt returns,
	// which would cut the response's body off under its reader. The
	// request gets a context of its own instead, which the attempt's
	// deadline ends only until the response arrives.
	ctx, cancel := context.WithCancel(c.ctx)
	c.attempt, c.cancel = attempt, cancel
	c.stop = context.AfterFunc(attempt, cancel)
	return ctx
}

// Response judges what one attempt's call returned and returns what the
// attempt reports: the response, and nil, a *StatusError for a response
// with a transient status, or the call's error. A failure after the body
// was sent, when it cannot be sent again, is marked not to be retried.
func (c *Call) Response(resp *http.Response, err error) (*http.Response, error) {
	if c.stop != nil {
		stopped := c.stop()
		cancel := c.cancel
		c.stop, c.cancel = nil, nil
		switch {
		case !stopped:
			// The attempt's deadline (or the caller) came first: what
			// arrived is cut off already.
			if err == nil {
				Discard(resp)
				resp, err = nil, c.attempt.Err()
			}
		case err != nil || resp == nil || resp.Body == nil:
			cancel()
		default:
			resp.Body = cancelOnClose(resp.Body, cancel)
		}
		c.attempt = nil
	}
	if resp != nil {
		c.last = resp
	}
	if err == nil && resp != nil && Transient(resp.StatusCode) {
		err = NewStatusError(resp)
		c.judged = resp
	}
	if err != nil && c.shot != nil && c.shot.spent() {
		err = baldur.Permanent(&notRewindable{err: err})
	}
	return resp, err
}

// Result ends the call and returns what its caller gets: a response judged
// a failure when attempts ran out is returned as it is, without the
// error, unless the caller's context has ended; anything else (a
// fallback's answer after Abandon) as it is. The request's body is
// closed, if no attempt's RoundTrip did.
func (c *Call) Result(resp *http.Response, err error) (*http.Response, error) {
	c.closeBody()
	if err == nil || resp == nil || resp != c.judged {
		return resp, err
	}
	if c.ctx.Err() != nil {
		Discard(resp)
		return nil, err
	}
	return resp, nil
}

// Abandon ends a call whose result a fallback replaces: resp, the last
// attempt's response if any, is drained and closed, and so is the
// request's body.
func (c *Call) Abandon(resp *http.Response) {
	c.closeBody()
	Discard(resp)
}

func (c *Call) closeBody() {
	if c.ended {
		return // Abandon, then Result
	}
	c.ended = true
	switch {
	case c.shot != nil:
		c.shot.close()
	case c.req != nil && !c.handed && c.req.Body != nil && c.req.Body != http.NoBody:
		_ = c.req.Body.Close()
	}
}

// body returns the body the next attempt sends.
func (c *Call) body() (io.ReadCloser, error) {
	b := c.req.Body
	switch {
	case b == nil || b == http.NoBody:
		return b, nil
	case c.req.GetBody != nil:
		if !c.handed {
			c.handed = true
			return b, nil
		}
		nb, err := c.req.GetBody()
		if err != nil {
			return nil, baldur.Permanent(&rewindError{err: err})
		}
		return nb, nil
	case c.shot == nil:
		c.shot = &oneShot{body: b}
	}
	v, ok := c.shot.replay()
	if !ok {
		// The last attempt's failure looked retryable, but its transport
		// read the body after RoundTrip returned.
		return nil, baldur.Permanent(ErrBodyNotRewindable)
	}
	return v, nil
}

// cancelOnClose ties a response's context to its body. A 101 Switching
// Protocols body is also a writer, and stays one.
func cancelOnClose(body io.ReadCloser, cancel context.CancelFunc) io.ReadCloser {
	if rw, ok := body.(io.ReadWriteCloser); ok {
		return &cancelReadWriter{cancelBody{rw, cancel}, rw}
	}
	return &cancelBody{body, cancel}
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

type cancelReadWriter struct {
	cancelBody
	w io.Writer
}

func (b *cancelReadWriter) Write(p []byte) (int, error) { return b.w.Write(p) }
