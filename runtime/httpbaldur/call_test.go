package httpbaldur_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
)

// noDelay retries at once: these tests count attempts, not delays.
const noDelay = `
defaults:
  retry: {initial_delay: 0s, max_delay: 0s}
  budget: {enabled: false}
`

// roundTripFunc is a RoundTripper written inline.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// closeCounter counts the closes of a request body.
type closeCounter struct {
	io.Reader
	closes int
}

func (c *closeCounter) Close() error { c.closes++; return nil }

// A GetBody that fails stops the retries, with its error: the request is
// never sent again without its body.
func TestGetBodyFailureIsNotRetried(t *testing.T) {
	e := newEnv(t, noDelay)
	p := e.rt.Policy(baldur.Spec{Name: "api", Method: "t.API.RoundTrip", Retry: true, Attempts: 3})
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader("body"))
	broken := errors.New("spool file gone")
	req.GetBody = func() (io.ReadCloser, error) { return nil, broken }
	calls := 0
	_, err := roundTrip(p, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		r.Body.Close()
		return nil, errors.New("connection reset")
	}), req)
	if !errors.Is(err, broken) || calls != 1 {
		t.Fatalf("%v after %d attempts; want GetBody's error after 1", err, calls)
	}
}

// A request that no attempt sent (the breaker is open) still has its body
// closed, as a RoundTripper must.
func TestBodyClosedWhenNoAttemptRan(t *testing.T) {
	e := newEnv(t, noDelay)
	p := e.rt.Policy(baldur.Spec{Name: "api", Method: "t.API.RoundTrip", Retry: true, Attempts: 3, Breaker: "api"})
	p.Breaker().ForceOpen()
	for _, getBody := range []bool{false, true} {
		body := &closeCounter{Reader: strings.NewReader("body")}
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", body)
		if getBody {
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("body")), nil }
		}
		_, err := roundTrip(p, roundTripFunc(func(*http.Request) (*http.Response, error) {
			t.Fatal("an attempt ran through an open breaker")
			return nil, nil
		}), req)
		if !errors.Is(err, baldur.ErrBreakerOpen) || body.closes != 1 {
			t.Fatalf("GetBody %v: %v, body closed %d times; want ErrBreakerOpen and one close", getBody, err, body.closes)
		}
	}
}

// rwBody is a 101 Switching Protocols body: a reader and a writer.
type rwBody struct {
	closeCounter
	wrote string
}

func (b *rwBody) Write(p []byte) (int, error) { b.wrote += string(p); return len(p), nil }

// Under an attempt deadline the response's body gets a context of its own,
// which its Close ends; a 101 body stays a writer.
func TestResponseContextEndsWithTheBody(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	call := httpbaldur.NewCall(bg, req)
	attempt, cancelAttempt := context.WithCancel(bg)
	sent, err := call.Request(attempt)
	if err != nil {
		t.Fatal(err)
	}
	body := &rwBody{closeCounter: closeCounter{Reader: strings.NewReader("")}}
	resp, err := call.Response(&http.Response{StatusCode: http.StatusSwitchingProtocols, Body: body}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancelAttempt() // as the runtime does when the attempt returns
	if sent.Context().Err() != nil {
		t.Fatal("the attempt's end ended the response's context")
	}
	w, ok := resp.Body.(io.Writer)
	if !ok {
		t.Fatal("the 101 body is no longer a writer")
	}
	w.Write([]byte("ping"))
	resp.Body.Close()
	if body.wrote != "ping" || body.closes != 1 || sent.Context().Err() == nil {
		t.Fatalf("wrote %q, closed %d, context %v; want ping, 1, ended", body.wrote, body.closes, sent.Context().Err())
	}
}

// A deadline that passes between the answer and Response leaves a
// response whose body is cut off: it is dropped, and the attempt fails
// with the deadline.
func TestDeadlineBeforeResponseFailsTheAttempt(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	call := httpbaldur.NewCall(bg, req)
	attempt, cancelAttempt := context.WithTimeout(bg, 0)
	defer cancelAttempt()
	sent, err := call.Request(attempt)
	if err != nil {
		t.Fatal(err)
	}
	<-sent.Context().Done()
	body := &closeCounter{Reader: strings.NewReader("late")}
	resp, err := call.Response(&http.Response{StatusCode: http.StatusOK, Body: body}, nil)
	if resp != nil || !errors.Is(err, context.DeadlineExceeded) || body.closes != 1 {
		t.Fatalf("%v, %v, body closed %d times; want the deadline and the body dropped", resp, err, body.closes)
	}
}
