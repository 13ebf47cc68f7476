package payments_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"

	"github.com/baldur-go/baldur/examples/payments"
	"github.com/baldur-go/baldur/examples/payments/provider"
)

// startProvider serves a fake provider declining charges above 500.00.
func startProvider(t *testing.T) (*provider.Provider, string) {
	t.Helper()
	p := provider.New(500_00)
	srv, err := provider.Start(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return p, srv.URL
}

func TestHTTPGatewayCharges(t *testing.T) {
	p, url := startProvider(t)
	gw := payments.NewHTTPGateway(url, nil)
	ctx := t.Context()

	got, err := gw.Charge(ctx, "o1", 12_34, payments.Customer{})
	if want := (payments.Receipt{OrderID: "o1", Amount: 12_34, Status: "captured"}); err != nil || got != want {
		t.Fatalf("Charge = %+v, %v; want %+v, nil", got, err, want)
	}
	if status, err := gw.Status(ctx, "o1"); err != nil || status != "captured" {
		t.Errorf("Status = %q, %v; want captured, nil", status, err)
	}
	if err := gw.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}
	// The order ID is the idempotency key: charging again replays the receipt.
	if again, err := gw.Charge(ctx, "o1", 12_34, payments.Customer{}); err != nil || again != got {
		t.Errorf("second Charge = %+v, %v; want %+v", again, err, got)
	}
	if n := p.Captured(); n != 1 {
		t.Errorf("provider took %d charges, want 1", n)
	}
	if n := p.Requests("o1"); n != 2 {
		t.Errorf("provider saw %d requests for o1, want 2", n)
	}
}

func TestHTTPGatewayDeclines(t *testing.T) {
	_, url := startProvider(t)
	_, err := payments.NewHTTPGateway(url, nil).Charge(t.Context(), "big", 900_00, payments.Customer{})
	if !errors.Is(err, payments.ErrDeclined) {
		t.Fatalf("Charge over the limit = %v, want ErrDeclined", err)
	}
}

// TestHTTPGatewayMapsStatus pins which answers the runtime may retry.
func TestHTTPGatewayMapsStatus(t *testing.T) {
	for _, tc := range []struct {
		code      int
		declined  bool
		permanent bool
	}{
		{code: http.StatusPaymentRequired, declined: true},
		{code: http.StatusServiceUnavailable},
		{code: http.StatusInternalServerError},
		{code: http.StatusTooManyRequests},
		{code: http.StatusRequestTimeout},
		{code: http.StatusBadRequest, permanent: true},
		{code: http.StatusNotFound, permanent: true},
	} {
		t.Run(http.StatusText(tc.code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				w.Write([]byte(`{"error":"scripted"}`))
			}))
			defer srv.Close()
			_, err := payments.NewHTTPGateway(srv.URL, nil).Charge(t.Context(), "o", 1, payments.Customer{})
			if got := errors.Is(err, payments.ErrDeclined); got != tc.declined {
				t.Errorf("errors.Is(%v, ErrDeclined) = %v, want %v", err, got, tc.declined)
			}
			if got := baldur.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			var se *payments.StatusError
			if !tc.declined && (!errors.As(err, &se) || se.Code != tc.code || se.Message != "scripted") {
				t.Errorf("error %v is not a *StatusError{Code: %d, Message: scripted}", err, tc.code)
			}
		})
	}
}

func TestHTTPGatewayHonoursContext(t *testing.T) {
	p, url := startProvider(t)
	p.Play(provider.Script{StallNext: 1, Stall: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := payments.NewHTTPGateway(url, nil).Charge(ctx, "o", 1, payments.Customer{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Charge past its deadline = %v, want context.DeadlineExceeded", err)
	}
	if n := p.Captured(); n != 0 {
		t.Errorf("provider took %d charges for an abandoned request, want 0", n)
	}
}
