package foreign

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

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
