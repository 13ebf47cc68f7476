package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
	"github.com/baldur-go/baldur/testdata/lib/harness"
)

// Servers, their connections and the runtimes end with each test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server is a real HTTP server on 127.0.0.1 that records what each
// request carried and answers the n-th (1-based) with answer.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	conns  int
}

func newServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			body = []byte("read error: " + err.Error())
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, string(body))
		n := len(s.bodies)
		s.mu.Unlock()
		answer(w, r, n)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.Start()
	t.Cleanup(func() {
		s.Client().CloseIdleConnections()
		s.Close()
	})
	return s
}

func (s *server) seen() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...), s.conns
}

// drop closes the connection without an answer, after the body was read:
// the client gets an EOF, and the request may have been acted on.
func drop(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// api sends requests through a real transport.
type api struct{ rt http.RoundTripper }

func (a api) Get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return a.rt.RoundTrip(req)
}

func (a api) Send(req *http.Request) error {
	resp, err := a.rt.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		return httpbaldur.NewStatusError(resp)
	}
	return nil
}

func (a api) Fetch(ctx context.Context, url string) (*http.Response, error) { return a.Get(ctx, url) }

func (a api) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	return a.rt.RoundTrip(req.WithContext(ctx))
}

func (a api) Download(req *http.Request) (io.ReadCloser, error) {
	resp, err := a.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		httpbaldur.Discard(resp)
		return nil, httpbaldur.NewStatusError(resp)
	}
	return resp.Body, nil
}

const payload = `{"order":"A-17","amount":1250}`

// A POST is retried after a dropped connection and after a 503, and every
// attempt carries the whole body. Before issue 11 the second attempt sent
// the request whose body the first had consumed: "http: ContentLength=30
// with Body length 0".
func TestRetriedPOSTCarriesItsWholeBody(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			drop(w)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, "ok")
		}
	})
	rt, _ := harness.Runtime(t, "")
	client := &http.Client{Transport: NewTransportProtected(s.Client().Transport, rt)}
	resp, err := client.Post(s.URL, "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	bodies, _ := s.seen()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" || len(bodies) != 3 {
		t.Fatalf("%d %q after %d requests; want 200 ok after 3", resp.StatusCode, body, len(bodies))
	}
	for i, b := range bodies {
		if b != payload {
			t.Errorf("request %d carried %q, want the whole body", i+1, b)
		}
	}
}

// oneShot is a body without GetBody: http.NewRequest cannot rewind an
// io.Reader it does not know.
type oneShot struct{ io.Reader }

// A body that cannot be rewound is sent once: a dropped connection after
// the server read it is not retried, and the caller gets the error. Before
// issue 11 the retry sent an empty body and the server answered 200:
// silent corruption.
func TestOneShotBodyIsSentOnce(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			drop(w)
			return
		}
		fmt.Fprint(w, "ok")
	})
	rt, _ := harness.Runtime(t, "")
	client := &http.Client{Transport: NewTransportProtected(s.Client().Transport, rt)}
	resp, err := client.Post(s.URL, "application/json", oneShot{strings.NewReader(payload)})
	if err == nil {
		resp.Body.Close()
	}
	bodies, _ := s.seen()
	if fmt.Sprint(bodies) != fmt.Sprint([]string{payload}) {
		t.Fatalf("the server saw %q; want the body once", bodies)
	}
	if !errors.Is(err, httpbaldur.ErrBodyNotRewindable) {
		t.Fatalf("err %v; want the dropped connection, marked ErrBodyNotRewindable", err)
	}
}

// refuseFirst fails its first request before reading the body, as a
// refused dial does.
type refuseFirst struct {
	next  http.RoundTripper
	calls int
}

func (r *refuseFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	r.calls++
	if r.calls == 1 {
		req.Body.Close() // as a RoundTripper must, even on errors
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return r.next.RoundTrip(req)
}

// A body that cannot be rewound but was never read is sent by the next
// attempt, whole.
func TestOneShotBodyUnreadIsRetried(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, "ok") })
	rt, _ := harness.Runtime(t, "")
	client := &http.Client{Transport: NewTransportProtected(&refuseFirst{next: s.Client().Transport}, rt)}
	resp, err := client.Post(s.URL, "application/json", oneShot{strings.NewReader(payload)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if bodies, _ := s.seen(); fmt.Sprint(bodies) != fmt.Sprint([]string{payload}) {
		t.Fatalf("the server saw %q; want the whole body once", bodies)
	}
}

// 503s are failures: retried, counted by the breaker, each drained and
// closed so that its connection serves the next attempt. When attempts run
// out the last response is returned as it is. Before issue 11 the first 503
// was a success.
func TestServiceUnavailableIsAFailure(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "attempt %d", n)
	})
	rt, _ := harness.Runtime(t, "")
	tr := NewTransportProtected(s.Client().Transport, rt)
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "attempt 3" {
		t.Fatalf("%d %q; want the third attempt's 503, as it is", resp.StatusCode, body)
	}
	bodies, conns := s.seen()
	if len(bodies) != 3 || conns != 1 {
		t.Fatalf("%d requests on %d connections; want 3 on one: a failed response is drained before the next attempt", len(bodies), conns)
	}
	if m := tr.roundTrip.Breaker().Metrics(); m.Failures != 3 {
		t.Fatalf("breaker %+v; want the 3 503s counted", m)
	}
}

// The server's Retry-After is the minimum delay before the next attempt.
func TestRetryAfterIsHonoured(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "ok")
	})
	rt, clock := harness.Runtime(t, `
policies:
  httpclient.api.do:
    retry: {max_delay: 10s}
`)
	a := NewAPIProtected(api{s.Client().Transport}, rt)
	start := clock.Now()
	req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(payload))
	r := harness.AdvanceWhenWaiting(t, clock, time.Second, harness.Background(func() result {
		resp, err := a.Do(context.Background(), req)
		return result{resp, err}
	}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	r.resp.Body.Close()
	if waited := clock.Now().Sub(start); waited != 2*time.Second || r.resp.StatusCode != http.StatusOK {
		t.Fatalf("%d after waiting %v; want 200 after the server's 2s", r.resp.StatusCode, waited)
	}
	if bodies, _ := s.seen(); fmt.Sprint(bodies) != fmt.Sprint([]string{payload, payload}) {
		t.Fatalf("the server saw %q", bodies)
	}
}

// The request's context is the call's: when the caller gives up, no
// retry follows. Before issue 11 RoundTrip ran under context.Background.
func TestRequestContextIsTheCalls(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	inner := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		calls++
		cancel() // the caller gives up while the attempt fails
		return nil, errors.New("connection reset")
	})
	rt, _ := harness.Runtime(t, "")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
	if _, err := NewTransportProtected(inner, rt).RoundTrip(req); err == nil || calls != 1 {
		t.Fatalf("%v after %d attempts; want the error after 1", err, calls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// A timeout bounds the wait for the response, not the reading of its body:
// a slow first answer times out and is retried, and the second one's body
// is read whole after the call returned, long past the timeout. Before
// issue 11 the body's context was cancelled as the call returned, and
// RoundTrip refused timeout=.
func TestTimeoutBoundsTheWaitNotTheBody(t *testing.T) {
	for _, c := range []struct {
		name string
		call func(rt *baldur.Runtime, tr http.RoundTripper, url string) (*http.Response, error)
	}{
		{"RoundTrip", func(rt *baldur.Runtime, tr http.RoundTripper, url string) (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			return NewTransportProtected(tr, rt).RoundTrip(req)
		}},
		{"Get", func(rt *baldur.Runtime, tr http.RoundTripper, url string) (*http.Response, error) {
			return NewAPIProtected(api{tr}, rt).Get(context.Background(), url)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			first, release, second := make(chan struct{}), make(chan struct{}), make(chan struct{})
			s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					close(first)
					<-r.Context().Done() // answers only once the client gave up
					return
				}
				fmt.Fprint(w, "head ")
				w.(http.Flusher).Flush()
				close(second)
				<-release
				fmt.Fprint(w, "and tail")
			})
			rt, clock := harness.Runtime(t, "")
			done := harness.Background(func() result {
				resp, err := c.call(rt, s.Client().Transport, s.URL)
				return result{resp, err}
			})
			// The first attempt reached the server and waits on its 1s
			// timer: run it out.
			<-first
			if err := clock.WaitForCallTimers(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			<-second
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			clock.Advance(time.Hour) // long past any attempt's timeout
			close(release)
			body, err := io.ReadAll(r.resp.Body)
			r.resp.Body.Close()
			if string(body) != "head and tail" || err != nil {
				t.Fatalf("read %q, %v; want the whole body", body, err)
			}
			if bodies, _ := s.seen(); len(bodies) != 2 {
				t.Fatalf("%d requests, want 2: the first timed out", len(bodies))
			}
		})
	}
}

// A result that outlives the call, from a request: each attempt sends a
// clone with the whole body, and the reader is read after the call
// returned, under a timeout from baldur.yaml that does not reach it.
func TestDownloadOutlivesTheCall(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "part one, ")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "part two")
	})
	rt, clock := harness.Runtime(t, `
policies:
  httpclient.api.download: {timeout: 1s}
`)
	req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(payload))
	r, err := NewAPIProtected(api{s.Client().Transport}, rt).Download(req)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	close(release)
	body, err := io.ReadAll(r)
	r.Close()
	if string(body) != "part one, part two" || err != nil {
		t.Fatalf("read %q, %v; want the whole body", body, err)
	}
	if bodies, _ := s.seen(); fmt.Sprint(bodies) != fmt.Sprint([]string{payload, payload}) {
		t.Fatalf("the server saw %q; want the body twice", bodies)
	}
}

// With classify=httpbaldur.Classify a 500 fails without a retry and a 404
// is an answer: neither is retried, each comes back as it is, and only the
// 500 counts against the breaker; a 503 is still retried.
func TestClassifiedStatuses(t *testing.T) {
	codes := map[string][]int{"/500": {500}, "/404": {404}, "/503": {503, 200}}
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.bodies = append(s.bodies, r.URL.Path)
		code := codes[r.URL.Path][0]
		if len(codes[r.URL.Path]) > 1 {
			codes[r.URL.Path] = codes[r.URL.Path][1:]
		}
		s.mu.Unlock()
		w.WriteHeader(code)
	})
	rt, _ := harness.Runtime(t, "")
	a := NewAPIProtected(api{s.Client().Transport}, rt)
	for _, c := range []struct {
		path string
		want int
	}{{"/500", 500}, {"/404", 404}, {"/503", 200}} {
		resp, err := a.Fetch(context.Background(), s.URL+c.path)
		if err != nil || resp.StatusCode != c.want {
			t.Fatalf("%s: %v, %v; want %d as it is", c.path, resp, err, c.want)
		}
		resp.Body.Close()
	}
	if paths, _ := s.seen(); fmt.Sprint(paths) != "[/500 /404 /503 /503]" {
		t.Fatalf("requests %v; want only the 503 retried", paths)
	}
	if m := a.fetch.Breaker().Metrics(); m.Failures != 2 {
		t.Fatalf("breaker %+v; want the 500 and the 503 counted, not the 404", m)
	}
}

type result struct {
	resp *http.Response
	err  error
}

// A fallback answers when attempts run out; the last response is drained
// and closed first.
func TestFallbackDropsTheLastResponse(t *testing.T) {
	var bodies []*trackedBody
	inner := apiFunc(func(ctx context.Context, req *http.Request) (*http.Response, error) {
		b := &trackedBody{Reader: strings.NewReader("busy")}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: http.StatusBadGateway, Body: b, Request: req}, nil
	})
	rt, _ := harness.Runtime(t, "")
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	resp, err := NewAPIProtected(inner, rt).Do(context.Background(), req)
	if resp != nil || !errors.Is(err, ErrOffline) {
		t.Fatalf("%v, %v; want the fallback's ErrOffline", resp, err)
	}
	if len(bodies) != 3 {
		t.Fatalf("%d attempts, want 3", len(bodies))
	}
	for i, b := range bodies {
		if !b.closed {
			t.Errorf("response %d was not closed", i+1)
		}
	}
}

type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

type apiFunc func(ctx context.Context, req *http.Request) (*http.Response, error)

func (f apiFunc) Get(ctx context.Context, url string) (*http.Response, error) { return nil, nil }
func (f apiFunc) Send(req *http.Request) error                                { return nil }
func (f apiFunc) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	return f(ctx, req)
}

func (f apiFunc) Download(req *http.Request) (io.ReadCloser, error) { return nil, nil }

func (f apiFunc) Fetch(ctx context.Context, url string) (*http.Response, error) { return nil, nil }
