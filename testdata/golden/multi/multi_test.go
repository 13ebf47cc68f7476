package multi

import (
	"context"
	"errors"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

var errBackend = errors.New("backend down")

type backend struct{ calls int }

func (b *backend) Place(ctx context.Context, id string) error { b.calls++; return errBackend }
func (b *backend) Send(ctx context.Context, id string) error  { b.calls++; return errBackend }
func (b *backend) Reserve(ctx context.Context, sku string, n int) (bool, error) {
	b.calls++
	return false, errBackend
}

func TestOneBreakerAcrossInterfacesAndFiles(t *testing.T) {
	rt, _ := harness.Runtime(t, `
breakers:
  backend:
    size: 4
    minimum_calls: 4
`)
	inner := &backend{}
	ctx := context.Background()
	orders, invoices, stock := NewOrdersProtected(inner, rt), NewInvoicesProtected(inner, rt), NewStockProtected(inner, rt)
	orders.Place(ctx, "1")     // 2 failures
	invoices.Send(ctx, "1")    // 1 failure
	stock.Reserve(ctx, "s", 1) // 1 failure fills the window; the retry is rejected
	if inner.calls != 4 {
		t.Fatalf("%d calls reached the backend, want 4", inner.calls)
	}
	if err := invoices.Send(ctx, "2"); !errors.Is(err, baldur.ErrBreakerOpen) || inner.calls != 4 {
		t.Fatalf("after the shared breaker opened: %v, %d calls", err, inner.calls)
	}
}
