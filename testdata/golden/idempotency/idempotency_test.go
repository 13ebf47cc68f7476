package idempotency

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

// payments counts the side effects of every method.
type payments struct {
	charges, refunds, subscribes, invoices, books, allows, notes, lookups atomic.Int32
	fail                                                                  atomic.Int32 // failures left for Charge
	gate                                                                  chan struct{}
}

func (p *payments) Charge(ctx context.Context, orderID string, amount int64) (Receipt, error) {
	n := p.charges.Add(1)
	if p.gate != nil {
		<-p.gate
	}
	if p.fail.Add(-1) >= 0 {
		return Receipt{}, ErrUnavailable
	}
	return Receipt{OrderID: orderID, Amount: amount, Status: "captured #" + string(rune('0'+n))}, nil
}

func (p *payments) Refund(ctx context.Context, id OrderID, reason string) error {
	p.refunds.Add(1)
	return nil
}

func (p *payments) Subscribe(ctx context.Context, req *Request) (string, time.Time, error) {
	p.subscribes.Add(1)
	return "sub", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), nil
}

func (p *payments) Invoice(ctx context.Context, req Request) (int, error) {
	return int(p.invoices.Add(1)), nil
}

func (p *payments) Book(ctx context.Context, t *Ticket, seats ...int) ([]int, error) {
	p.books.Add(1)
	return seats, nil
}

func (p *payments) Allow(ctx context.Context, addr netip.Addr) (bool, error) {
	p.allows.Add(1)
	return addr.Is4(), nil
}

func (p *payments) Note(ctx context.Context, req Keyed) error {
	p.notes.Add(1)
	return nil
}

func (p *payments) Lookup(ctx context.Context, req *LookupRequest) (Receipt, *time.Time, error) {
	p.lookups.Add(1)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return Receipt{Status: string(*req.Code)}, &at, nil
}

// TestKeyThatCannotBeMarshalled pins that a MarshalText error is the
// caller's: returned unchanged, before the method runs, never to the
// fallback, which would answer for a call nobody could deduplicate.
func TestKeyThatCannotBeMarshalled(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	ctx := context.Background()
	empty := Code("")
	r, tk, err := svc.Lookup(ctx, &LookupRequest{Code: &empty})
	if !errors.Is(err, ErrEmptyCode) || r != (Receipt{}) || tk != nil || inner.lookups.Load() != 0 {
		t.Fatalf("empty code: %+v, %v, %v after %d calls; want ErrEmptyCode and zero results", r, tk, err, inner.lookups.Load())
	}
	code := Code("c-1")
	for range 2 {
		if r, at, err := svc.Lookup(ctx, &LookupRequest{Code: &code}); err != nil || r.Status != "c-1" || at == nil || at.Year() != 2026 {
			t.Fatalf("lookup: %+v, %v, %v", r, at, err)
		}
	}
	if n := inner.lookups.Load(); n != 1 {
		t.Errorf("%d lookups ran, want 1", n)
	}
}

func TestSecondChargeIsAnsweredFromTheFirst(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	ctx := context.Background()
	first, err := svc.Charge(ctx, "o-1", 100)
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.Charge(ctx, "o-1", 100)
	if err != nil || second != first || inner.charges.Load() != 1 {
		t.Fatalf("second charge: %+v, %v; the customer was charged %d times", second, err, inner.charges.Load())
	}
	if _, err := svc.Charge(ctx, "o-2", 100); err != nil || inner.charges.Load() != 2 {
		t.Fatalf("another order: %v, %d charges", err, inner.charges.Load())
	}
}

func TestThousandConcurrentDuplicatesChargeOnce(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{gate: make(chan struct{})}
	svc := NewPaymentsProtected(inner, rt)
	var wg sync.WaitGroup
	results := make([]Receipt, 1000)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := svc.Charge(context.Background(), "o-1", 100)
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	close(inner.gate)
	wg.Wait()
	if n := inner.charges.Load(); n != 1 {
		t.Fatalf("%d charges for one order", n)
	}
	for _, r := range results {
		if r != results[0] {
			t.Fatalf("callers got different receipts: %+v and %+v", r, results[0])
		}
	}
}

func TestReusedKeyIsRefusedWithoutFallback(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	svc.Charge(context.Background(), "o-1", 100)
	got, err := svc.Charge(context.Background(), "o-1", 999)
	if !errors.Is(err, baldur.ErrKeyReused) || got.Status == "queued" || inner.charges.Load() != 1 {
		t.Fatalf("got %+v, %v after %d charges; want ErrKeyReused, no fallback, no charge", got, err, inner.charges.Load())
	}
}

func TestMissingKeyIsRefused(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	ctx := context.Background()
	if got, err := svc.Charge(ctx, "", 100); !errors.Is(err, baldur.ErrMissingKey) || got.Status == "queued" {
		t.Errorf("empty order ID: %+v, %v", got, err)
	}
	if _, _, err := svc.Subscribe(ctx, nil); !errors.Is(err, baldur.ErrMissingKey) {
		t.Errorf("nil request: %v", err)
	}
	if _, _, err := svc.Subscribe(ctx, &Request{}); !errors.Is(err, baldur.ErrMissingKey) {
		t.Errorf("nil customer on the path: %v", err)
	}
	if _, err := svc.Invoice(ctx, Request{Customer: &Customer{}}); !errors.Is(err, baldur.ErrMissingKey) {
		t.Errorf("nil *string key: %v", err)
	}
	if _, err := svc.Book(ctx, nil, 1); !errors.Is(err, baldur.ErrMissingKey) {
		t.Errorf("nil Stringer: %v", err)
	}
	if _, err := svc.Allow(ctx, netip.Addr{}); !errors.Is(err, baldur.ErrMissingKey) {
		t.Errorf("zero Addr marshals to nothing: %v", err)
	}
	if n := inner.charges.Load() + inner.subscribes.Load() + inner.invoices.Load() + inner.books.Load() + inner.allows.Load(); n != 0 {
		t.Errorf("%d calls ran without a key", n)
	}
}

func TestEveryKeyShapeDeduplicates(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	ctx := context.Background()
	for range 2 {
		if err := svc.Refund(ctx, "o-1", "damaged"); err != nil {
			t.Fatal(err)
		}
		s, at, err := svc.Subscribe(ctx, &Request{Customer: &Customer{ID: 7}})
		if s != "sub" || at.Year() != 2026 || err != nil {
			t.Fatalf("Subscribe: %q %v %v", s, at, err)
		}
		ref := "cust-9"
		if n, err := svc.Invoice(ctx, Request{Customer: &Customer{Ref: &ref}}); n != 1 || err != nil {
			t.Fatalf("Invoice: %d %v", n, err)
		}
		if seats, err := svc.Book(ctx, &Ticket{n: 3}, 4, 5); len(seats) != 2 || err != nil {
			t.Fatalf("Book: %v %v", seats, err)
		}
		if ok, err := svc.Allow(ctx, netip.MustParseAddr("10.0.0.1")); !ok || err != nil {
			t.Fatalf("Allow: %v %v", ok, err)
		}
		if err := svc.Note(ctx, Keyed{K: 0}); err != nil { // 0 is a real key
			t.Fatalf("Note: %v", err)
		}
	}
	for name, n := range map[string]int32{"Refund": inner.refunds.Load(), "Subscribe": inner.subscribes.Load(), "Invoice": inner.invoices.Load(),
		"Book": inner.books.Load(), "Allow": inner.allows.Load(), "Note": inner.notes.Load()} {
		if n != 1 {
			t.Errorf("%s ran %d times for one key", name, n)
		}
	}
}

func TestFailuresAndFallbacksAreNotStored(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	inner.fail.Store(3) // the first call's three attempts fail
	svc := NewPaymentsProtected(inner, rt)
	got, err := svc.Charge(context.Background(), "o-1", 100)
	if err != nil || got.Status != "queued" || inner.charges.Load() != 3 {
		t.Fatalf("first call: %+v, %v after %d attempts; want the fallback after 3", got, err, inner.charges.Load())
	}
	// The fallback's stand-in was not stored: the next call runs for real.
	got, err = svc.Charge(context.Background(), "o-1", 100)
	if err != nil || got.Status == "queued" || inner.charges.Load() != 4 {
		t.Fatalf("second call: %+v, %v after %d attempts; want a real charge", got, err, inner.charges.Load())
	}
}

func TestTTLFromTheAnnotation(t *testing.T) {
	rt, clock := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	ctx := context.Background()
	svc.Charge(ctx, "o-1", 100)
	clock.Advance(47 * time.Hour)
	svc.Charge(ctx, "o-1", 100)
	if n := inner.charges.Load(); n != 1 {
		t.Fatalf("within idempotency_ttl=48h: %d charges", n)
	}
	clock.Advance(2 * time.Hour)
	svc.Charge(ctx, "o-1", 100)
	if n := inner.charges.Load(); n != 2 {
		t.Fatalf("after the TTL: %d charges, want a new one", n)
	}
}

func TestTenantsDoNotShareKeys(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &payments{}
	svc := NewPaymentsProtected(inner, rt)
	a := baldur.WithTenant(context.Background(), "acme")
	b := baldur.WithTenant(context.Background(), "globex")
	ra, _ := svc.Charge(a, "o-1", 100)
	rb, _ := svc.Charge(b, "o-1", 100)
	if inner.charges.Load() != 2 || ra == rb {
		t.Fatalf("two tenants, one order ID: %d charges, receipts %+v %+v", inner.charges.Load(), ra, rb)
	}
}
