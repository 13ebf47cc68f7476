package httpbaldur_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
)

const retryConfig = `
defaults:
  retry: {initial_delay: 100ms, max_delay: 10s, jitter: none}
  budget: {enabled: false}
breakers:
  api: {size: 10, minimum_calls: 10}
`

// A 503 with Retry-After, answered twice by a real server: each retry
// waits what the server asked (seconds, then an HTTP date read against the
// response's Date), and the third attempt gets the 200.
func TestServiceUnavailableWithRetryAfter(t *testing.T) {
	date := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := startServer(t, func(w http.ResponseWriter, n int) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "2")
		case 2:
			w.Header().Set("Date", date.Format(http.TimeFormat))
			w.Header().Set("Retry-After", date.Add(3*time.Second).Format(http.TimeFormat))
		default:
			fmt.Fprint(w, "ok")
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "busy")
	})
	e := newEnv(t, retryConfig)
	p := e.rt.Policy(baldur.Spec{Name: "api", Method: "t.API.RoundTrip", Retry: true, Attempts: 3, Breaker: "api"})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/charge", nil)

	done := make(chan struct{})
	var resp *http.Response
	var err error
	go func() {
		defer close(done)
		resp, err = roundTrip(p, s.Client().Transport, req)
	}()
	e.advanceEachSleep(t, done)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("resp %v, err %v; want 200", resp, err)
	}
	resp.Body.Close()
	if want := []time.Duration{2 * time.Second, 3 * time.Second}; fmt.Sprint(e.delays) != fmt.Sprint(want) {
		t.Fatalf("slept %v, want %v (the server's Retry-After)", e.delays, want)
	}
	if m := p.Breaker().Metrics(); m.Failures != 2 || s.calls.Load() != 3 {
		t.Fatalf("breaker %+v after %d calls: both 503s are failures", m, s.calls.Load())
	}
}

// When attempts run out the last 503 is returned as it is, body intact,
// and the error that the runtime saw says what happened.
func TestLastResponseReturnedAsIs(t *testing.T) {
	s := startServer(t, func(w http.ResponseWriter, n int) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "attempt %d", n)
	})
	e := newEnv(t, retryConfig)
	p := e.rt.Policy(baldur.Spec{Name: "api", Method: "t.API.RoundTrip", Retry: true, Attempts: 2})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/?token=secret", nil)
	done := make(chan struct{})
	var resp *http.Response
	go func() {
		defer close(done)
		resp, _ = roundTrip(p, s.Client().Transport, req)
	}()
	e.advanceEachSleep(t, done)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || string(body) != "attempt 2" {
		t.Fatalf("%d %q, want the second attempt's 502", resp.StatusCode, body)
	}
	if msg := httpbaldur.NewStatusError(resp).Error(); strings.Contains(msg, "secret") || !strings.Contains(msg, "502 Bad Gateway") {
		t.Fatalf("StatusError %q: want the status, never the query", msg)
	}
}

// A failed response drained by Discard gives its connection to the next
// attempt; closed unread, the connection is torn down.
func TestDiscardKeepsTheConnection(t *testing.T) {
	s := startServer(t, func(w http.ResponseWriter, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, strings.Repeat("x", 1000))
	})
	reused := func(discard func(*http.Response)) bool {
		t.Helper()
		var got bool
		for i := range 2 {
			req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
			req = req.WithContext(httptrace.WithClientTrace(bg, &httptrace.ClientTrace{
				GotConn: func(ci httptrace.GotConnInfo) { got = ci.Reused },
			}))
			resp, err := s.Client().Transport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				discard(resp)
			} else {
				resp.Body.Close()
			}
		}
		s.Client().CloseIdleConnections()
		return got
	}
	if !reused(httpbaldur.Discard) {
		t.Fatal("after Discard the next request dialed again")
	}
	if reused(func(r *http.Response) { r.Body.Close() }) {
		t.Fatal("closing unread was expected to cost the connection; the test proves nothing")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Tuesday, 01-Dec-26 10:00:05 GMT", 5 * time.Second, true}, // RFC 850
		{"Tue Dec  1 10:00:07 2026", 7 * time.Second, true},        // asctime
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999999999999", time.Duration(1<<63 - 1), true},
		{"", 0, false}, {"-1", 0, false}, {"1.5", 0, false}, {"soon", 0, false},
	} {
		got, ok := httpbaldur.ParseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestClassifyStatuses(t *testing.T) {
	for code, want := range map[int]baldur.Decision{
		200: baldur.DecideDefault, 304: baldur.DecideDefault,
		400: baldur.DecideIgnore, 404: baldur.DecideIgnore, 409: baldur.DecideIgnore,
		408: baldur.DecideRetry, 429: baldur.DecideRetry,
		502: baldur.DecideRetry, 503: baldur.DecideRetry, 504: baldur.DecideRetry,
		500: baldur.DecideFail, 501: baldur.DecideFail, 507: baldur.DecideFail,
	} {
		if got := httpbaldur.Classify(baldur.PolicyContext{}, &http.Response{StatusCode: code}, nil); got != want {
			t.Errorf("%d: %v, want %v", code, got, want)
		}
	}
	if got := httpbaldur.Classify(baldur.PolicyContext{}, nil, errors.New("dial tcp: refused")); got != baldur.DecideDefault {
		t.Errorf("transport error: %v, want default", got)
	}
}

// The matchers see a StatusError through the runtime's wrapping.
func TestMatchers(t *testing.T) {
	err := &baldur.RetryError{Policy: "p", Attempts: 1, Errs: []error{
		fmt.Errorf("call: %w", &httpbaldur.StatusError{StatusCode: 503})}}
	if !httpbaldur.ServiceUnavailable.MatchError(err) || !httpbaldur.TransientStatuses.MatchError(err) {
		t.Fatal("503 not matched")
	}
	if httpbaldur.TooManyRequests.MatchError(err) || httpbaldur.ServiceUnavailable.MatchError(errors.New("503")) {
		t.Fatal("matched what is not a 503 StatusError")
	}
}
