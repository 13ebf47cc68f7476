package inventory

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
)

// Servers, connections and runtimes end with each test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

// start runs the inventory service on 127.0.0.1, and a client of it under
// a runtime on a fake clock; retries receives each retry's delay.
func start(t *testing.T) (srv *Server, c *Client, clock *baldurtest.Clock, retries chan time.Duration) {
	t.Helper()
	srv = &Server{}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Client().CloseIdleConnections()
		ts.Close()
	})
	clock = baldurtest.NewClock(time.Now())
	retries = make(chan time.Duration, 16)
	rt, err := baldur.New(baldur.WithClock(clock), baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfigYAML([]byte("defaults:\n  retry: {initial_delay: 0s, max_delay: 10s}\n  budget: {enabled: false}\n")),
		baldur.WithObserver(func(e baldur.Event) {
			if e.Kind == baldur.EventRetry {
				retries <- e.Delay
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return srv, New(ts.URL, ts.Client().Transport, rt), clock, retries
}

// sleepsThrough runs call and advances the clock through each retry's
// delay, and only those: an attempt's timeout is never run out. It returns
// call's error and how long the call slept.
func sleepsThrough(t *testing.T, clock *baldurtest.Clock, retries <-chan time.Duration, call func() error) (error, time.Duration) {
	t.Helper()
	var slept time.Duration
	done := make(chan error, 1)
	go func() { done <- call() }()
	for {
		select {
		case err := <-done:
			return err, slept
		case d := <-retries:
			if d == 0 {
				continue
			}
			// The retry sleeps on the clock: once its timer is set, run it out.
			if err := clock.WaitForCallTimers(bg, 1); err != nil {
				t.Fatal(err)
			}
			clock.Advance(d)
			slept += d
		}
	}
}

// A reservation rides out a dropped connection and a 503: every attempt
// carries the whole body, Retry-After is waited, and the service, which
// deduplicates by Idempotency-Key, makes one reservation.
func TestReserveRidesOutDropsAnd503s(t *testing.T) {
	srv, c, clock, retries := start(t)
	srv.Fail("drop", "503")
	var r Reservation
	err, slept := sleepsThrough(t, clock, retries, func() error {
		var err error
		r, err = c.Reserve(bg, "order-17", "sku-1", 2)
		return err
	})
	if err != nil || r.SKU != "sku-1" || r.Qty != 2 || srv.Reservations() != 1 {
		t.Fatalf("%+v, %v with %d reservations; want one reservation of 2 sku-1", r, err, srv.Reservations())
	}
	const body = `{"qty":2,"sku":"sku-1"}`
	if got := srv.Bodies(); len(got) != 3 || got[0] != body || got[1] != body || got[2] != body {
		t.Fatalf("the service read %q; want the whole body 3 times", got)
	}
	if slept != time.Second {
		t.Fatalf("slept %v; want the 503's Retry-After of 1s", slept)
	}
}

// oneShot is a body without GetBody: it cannot be rewound.
type oneShot struct{ *strings.Reader }

// A body that cannot be rewound is sent once: after the service read it
// and dropped the connection, the client gets the error, not a retry with
// an empty body.
func TestImportIsSentOnce(t *testing.T) {
	srv, c, _, _ := start(t)
	srv.Fail("drop")
	err := c.Import(bg, oneShot{strings.NewReader("sku-1,7\nsku-2,3\n")})
	if !errors.Is(err, httpbaldur.ErrBodyNotRewindable) {
		t.Fatalf("err %v; want the dropped connection, not retried", err)
	}
	if got := srv.Bodies(); len(got) != 1 || got[0] != "sku-1,7\nsku-2,3\n" {
		t.Fatalf("the service read %q; want the file once", got)
	}
}

// When attempts run out the last 503 comes back as it is, and the client
// reads it as the error it is.
func TestStockWhenTheServiceStaysDown(t *testing.T) {
	srv, c, clock, retries := start(t)
	srv.Fail("503", "503", "503", "503")
	err, _ := sleepsThrough(t, clock, retries, func() error {
		_, err := c.Stock(bg, "sku-1")
		return err
	})
	var se *httpbaldur.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable || len(srv.Bodies()) != 4 {
		t.Fatalf("err %v after %d requests; want the 4th 503", err, len(srv.Bodies()))
	}
}
