package foreign

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/testdata/lib/harness"
)

type flaky struct{ calls int }

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.calls++
	return nil, errors.New("connection reset")
}

func TestForeignRoundTripper(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &flaky{}
	client := &http.Client{Transport: NewTransportProtected(inner, rt)}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := client.Get(srv.URL)
	if !errors.Is(err, ErrThrottled) || inner.calls != 3 {
		t.Fatalf("got %v after %d round trips; want the fallback's ErrThrottled after 3", err, inner.calls)
	}
}

// hostDown fails every round trip to one host and answers the others.
type hostDown struct {
	host  string
	calls map[string]int
}

func (h *hostDown) RoundTrip(req *http.Request) (*http.Response, error) {
	h.calls[req.URL.Host]++
	if req.URL.Host == h.host {
		return nil, errors.New("connection refused")
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// RoundTrip's request is unnamed in net/http; breaker_key=req.URL.Host
// names it, and each host gets a breaker of its own: one host down opens
// its breaker and no other.
func TestForeignRoundTripperBreaksPerHost(t *testing.T) {
	rt, _ := harness.Runtime(t, "breakers:\n  upstream: {size: 3, minimum_calls: 3, failure_rate: 50}\n")
	inner := &hostDown{host: "down.test", calls: map[string]int{}}
	tr := NewTransportProtected(inner, rt)
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://down.test/", nil)
		if _, err := tr.RoundTrip(req); !errors.Is(err, ErrThrottled) {
			t.Fatalf("down.test: %v; want the fallback's ErrThrottled", err)
		}
	}
	if n := inner.calls["down.test"]; n != 3 {
		t.Fatalf("down.test was tried %d times; want 3, then its breaker open", n)
	}
	if s := rt.KeyedBreaker("upstream", "down.test").State(); s != baldur.StateOpen {
		t.Fatalf("down.test's breaker is %v; want open", s)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://up.test/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || inner.calls["up.test"] != 1 {
		t.Fatalf("up.test: %v, %v after %d round trips; want its answer: another host's breaker is not this one's", resp, err, inner.calls["up.test"])
	}
}

type rw struct {
	reads int
	buf   bytes.Buffer
}

func (r *rw) Read(p []byte) (int, error) {
	r.reads++
	return 0, errors.New("busy")
}

func (r *rw) Write(p []byte) (int, error) { return r.buf.Write(p) }

func TestForeignReadWriter(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &rw{}
	var w io.ReadWriter = NewReadWriterProtected(inner, rt)
	if _, err := w.Read(make([]byte, 4)); err == nil || inner.reads != 2 {
		t.Errorf("Read: %v after %d calls, want 2", err, inner.reads)
	}
	if n, err := w.Write([]byte("hi")); n != 2 || err != nil || inner.buf.String() != "hi" {
		t.Errorf("Write (skipped): %d, %v", n, err)
	}
}

type upstream struct{}

func (upstream) Fetch(ctx context.Context, url string) ([]byte, error) { return []byte(url), nil }

func TestLocalInterfaceBesideForeignOnes(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	b, err := NewUpstreamProtected(upstream{}, rt).Fetch(context.Background(), "u")
	if string(b) != "u" || err != nil {
		t.Fatalf("Fetch: %q, %v", b, err)
	}
}
