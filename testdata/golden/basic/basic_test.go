package basic

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

// gateway fails its first failures calls with err, then succeeds.
type gateway struct {
	calls, refunds atomic.Int32
	failures       int32
	err            error
	block          bool // Charge waits for its context instead
}

func (g *gateway) Charge(ctx context.Context, orderID string, amount int64) (Receipt, error) {
	n := g.calls.Add(1)
	if g.block {
		<-ctx.Done()
		return Receipt{}, ctx.Err()
	}
	if n <= g.failures {
		return Receipt{}, g.err
	}
	return Receipt{OrderID: orderID, Status: "captured"}, nil
}

func (g *gateway) Refund(ctx context.Context, orderID string) error {
	if g.refunds.Add(1) <= g.failures {
		return g.err
	}
	return nil
}

func (g *gateway) Ping(ctx context.Context) error { return errors.New("ping goes straight through") }

func TestChargeRetriesUntilSuccess(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &gateway{failures: 2, err: ErrUnavailable}
	got, err := NewPaymentGatewayProtected(inner, rt).Charge(context.Background(), "o-1", 100)
	if err != nil || got.Status != "captured" || inner.calls.Load() != 3 {
		t.Fatalf("got %+v, %v after %d calls; want captured after 3", got, err, inner.calls.Load())
	}
}

func TestChargeFallsBackAfterThreeAttempts(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &gateway{failures: 100, err: ErrUnavailable}
	got, err := NewPaymentGatewayProtected(inner, rt).Charge(context.Background(), "o-1", 100)
	if err != nil || got.Status != "queued" || got.OrderID != "o-1" {
		t.Fatalf("got %+v, %v; want the fallback's queued receipt", got, err)
	}
	if n := inner.calls.Load(); n != 3 {
		t.Errorf("%d calls, want retry=3", n)
	}
}

func TestDeclineIsPassedThrough(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &gateway{failures: 100, err: ErrDeclined}
	got, err := NewPaymentGatewayProtected(inner, rt).Charge(context.Background(), "o-1", 100)
	if !errors.Is(err, ErrDeclined) || got.Status != "" {
		t.Fatalf("got %+v, %v; want ErrDeclined and no fallback", got, err)
	}
	if errors.Is(err, baldur.ErrTimeout) {
		t.Errorf("a decline that returned at once is reported as a timeout: %v", err)
	}
	if n := inner.calls.Load(); n != 1 {
		t.Errorf("an ignored error was retried: %d calls", n)
	}
}

func TestFraudAbortsRetriesButFallsBack(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &gateway{failures: 100, err: ErrFraud}
	got, err := NewPaymentGatewayProtected(inner, rt).Charge(context.Background(), "o-1", 100)
	if err != nil || got.Status != "queued" || inner.calls.Load() != 1 {
		t.Fatalf("got %+v, %v after %d calls; want one call then the fallback", got, err, inner.calls.Load())
	}
}

func TestRefundRetriesOnlyItsRetryOnErrors(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	other := &gateway{failures: 100, err: errors.New("bad request")}
	if err := NewPaymentGatewayProtected(other, rt).Refund(context.Background(), "o-1"); err == nil || other.refunds.Load() != 1 {
		t.Fatalf("error outside retry_on: %v after %d calls; want one call", err, other.refunds.Load())
	}
	rt2, _ := harness.Runtime(t, "")
	unavailable := &gateway{failures: 100, err: ErrUnavailable}
	err := NewPaymentGatewayProtected(unavailable, rt2).Refund(context.Background(), "o-1")
	var re *baldur.RetryError
	if !errors.As(err, &re) || re.Attempts != 3 || unavailable.refunds.Load() != 3 || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("retry_on error: %v after %d calls; want the default 3 attempts", err, unavailable.refunds.Load())
	}
}

const smallBreaker = `
breakers:
  gateway:
    size: 4
    minimum_calls: 4
    failure_rate: 50
    open_for: 10s
    half_open_probes: 1
`

func TestSharedBreakerOpensAndRecovers(t *testing.T) {
	rt, clock := harness.Runtime(t, smallBreaker)
	inner := &gateway{failures: 100, err: ErrUnavailable}
	gw := NewPaymentGatewayProtected(inner, rt)
	ctx := context.Background()

	// One Charge makes 3 failing attempts; a Refund's fourth failure fills
	// the shared window of 4 and opens the breaker.
	gw.Charge(ctx, "o-1", 1)
	err := gw.Refund(ctx, "o-1")
	if !errors.Is(err, baldur.ErrBreakerOpen) {
		t.Fatalf("refund: %v; want the breaker opened by the shared window", err)
	}
	if b := rt.Breaker("gateway"); b.State() != baldur.StateOpen {
		t.Fatalf("breaker %v, want open", b.State())
	}
	calls := inner.calls.Load() + inner.refunds.Load()

	// While open, calls fail fast without reaching the gateway; Charge's
	// fallback still answers.
	got, err := gw.Charge(ctx, "o-2", 1)
	if err != nil || got.Status != "queued" || inner.calls.Load()+inner.refunds.Load() != calls {
		t.Fatalf("while open: %+v, %v; the gateway was called %d more times", got, err, inner.calls.Load()+inner.refunds.Load()-calls)
	}

	clock.Advance(10 * time.Second)
	if s := rt.Breaker("gateway").State(); s != baldur.StateHalfOpen {
		t.Fatalf("after the open period: %v, want half-open", s)
	}
	inner.failures = 0
	got, err = gw.Charge(ctx, "o-3", 1)
	if err != nil || got.Status != "captured" {
		t.Fatalf("probe: %+v, %v", got, err)
	}
	if s := rt.Breaker("gateway").State(); s != baldur.StateClosed {
		t.Fatalf("after a successful probe: %v, want closed", s)
	}
}

func TestTimeoutCancelsSlowAttempts(t *testing.T) {
	rt, clock := harness.Runtime(t, "")
	inner := &gateway{block: true}
	gw := NewPaymentGatewayProtected(inner, rt)
	done := harness.Background(func() Receipt {
		got, err := gw.Charge(context.Background(), "o-1", 100)
		if err != nil {
			t.Errorf("charge: %v", err)
		}
		return got
	})
	got := harness.AdvanceWhenWaiting(t, clock, 250*time.Millisecond, done)
	if got.Status != "queued" || inner.calls.Load() != 3 {
		t.Fatalf("got %+v after %d attempts; want each of 3 attempts cut at 250ms, then the fallback", got, inner.calls.Load())
	}
}

func TestCallerCancellationStopsEverything(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &gateway{failures: 100, err: ErrUnavailable}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := NewPaymentGatewayProtected(inner, rt).Charge(ctx, "o-1", 100)
	if got.Status == "queued" || err == nil || inner.calls.Load() > 1 {
		t.Fatalf("got %+v, %v after %d calls; a cancelled caller gets no retry and no fallback", got, err, inner.calls.Load())
	}
}

func TestPingIsNotProtected(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	err := NewPaymentGatewayProtected(&gateway{}, rt).Ping(context.Background())
	if err == nil || err.Error() != "ping goes straight through" {
		t.Fatalf("got %v", err)
	}
}

// ledger counts calls per method.
type ledger struct{ record, balance, close, name atomic.Int32 }

var errLedger = errors.New("ledger down")

func (l *ledger) Record(ctx context.Context, entry string) error {
	l.record.Add(1)
	return errLedger
}
func (l *ledger) Balance(ctx context.Context) (int64, error) { l.balance.Add(1); return 42, nil }
func (l *ledger) Close() error                               { l.close.Add(1); return errLedger }
func (l *ledger) Name() string                               { l.name.Add(1); return "ledger" }

func TestInterfaceDefaults(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &ledger{}
	l := NewLedgerProtected(inner, rt)
	ctx := context.Background()
	if err := l.Record(ctx, "e"); !errors.Is(err, errLedger) || inner.record.Load() != 2 {
		t.Errorf("Record: %v after %d calls; want the interface's retry=2", err, inner.record.Load())
	}
	if b, err := l.Balance(ctx); b != 42 || err != nil {
		t.Errorf("Balance: %d, %v", b, err)
	}
	if err := l.Close(); !errors.Is(err, errLedger) || inner.close.Load() != 1 {
		t.Errorf("Close is skipped: %v after %d calls", err, inner.close.Load())
	}
	if n := l.Name(); n != "ledger" {
		t.Errorf("Name: %q", n)
	}
	if rt.Breaker("basic.ledger.record") == nil || rt.Breaker("basic.ledger.balance") == nil {
		t.Error("a bare breaker in the interface's defaults gives each method a breaker named like its policy")
	}
}
