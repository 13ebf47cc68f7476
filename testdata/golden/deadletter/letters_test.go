package deadletter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

// payments fails every call while down, and records what it was called
// with once it is up.
type payments struct {
	mu      sync.Mutex
	down    bool
	charged map[string]int
	shipped []string
	tagged  [][]string
	sent    []int
	refunds map[string]int
}

func (p *payments) Charge(ctx context.Context, orderID string, amount int64) (Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return Receipt{}, ErrUnavailable
	}
	p.charged[orderID]++
	return Receipt{OrderID: orderID, Status: "charged"}, nil
}

func (p *payments) Ship(ctx context.Context, orderID string, to Address, express bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return ErrUnavailable
	}
	p.shipped = append(p.shipped, orderID+" to "+to.Street+", "+to.City+map[bool]string{true: " express", false: ""}[express])
	return nil
}

func (p *payments) Tag(ctx context.Context, orderID string, tags ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return ErrUnavailable
	}
	p.tagged = append(p.tagged, append([]string{orderID}, tags...))
	return nil
}

func (p *payments) Publish(topic string, pc, data int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return 0, ErrUnavailable
	}
	p.sent = append(p.sent, pc, data)
	return pc + data, nil
}

func (p *payments) Refund(ctx context.Context, id RefundID, amount int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return ErrUnavailable
	}
	p.refunds[id.Order]++
	return nil
}

func (p *payments) recover() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func setup(t *testing.T) (*PaymentsProtected, *payments, *baldur.Runtime) {
	rt, _ := harness.Runtime(t, "", baldur.WithDeadLetterStore(baldur.NewMemoryDeadLetterStore(100)))
	inner := &payments{down: true, charged: map[string]int{}, refunds: map[string]int{}}
	return NewPaymentsProtected(inner, rt), inner, rt
}

func letters(t *testing.T, rt *baldur.Runtime, policy string) []baldur.Letter {
	t.Helper()
	ls, err := rt.DeadLetters().List(context.Background(), baldur.LetterFilter{Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// A failed charge is captured before the fallback answers, which is told
// so; the replay charges once, and the key's record answers the caller's
// retry without a second charge.
func TestChargeIsCapturedThenReplayedOnce(t *testing.T) {
	d, inner, rt := setup(t)
	ctx := context.Background()
	got, err := d.Charge(ctx, "o-1", 250)
	if err != nil || got.Status != "queued" {
		t.Fatalf("Charge while down: %+v, %v; want the fallback's queued, told of the capture", got, err)
	}
	ls := letters(t, rt, "dl-charge")
	if len(ls) != 1 {
		t.Fatalf("%d letters, want 1", len(ls))
	}
	l := ls[0]
	if l.Key != "o-1" || l.Fields["order_id"] != "o-1" || l.Fields["amount"] != "250" || l.Attempts != 2 {
		t.Errorf("letter %+v; want key o-1, fields order_id and amount, 2 attempts", l)
	}

	inner.recover()
	stats, err := rt.Replay(ctx)
	if err != nil || stats.Replayed != 1 || stats.Failed+stats.Parked+stats.Unhandled != 0 {
		t.Fatalf("replay: %+v, %v; want one replayed", stats, err)
	}
	if n := inner.charged["o-1"]; n != 1 {
		t.Fatalf("o-1 charged %d times by the replay, want once", n)
	}
	if ls := letters(t, rt, "dl-charge"); len(ls) != 0 {
		t.Fatalf("%d letters left after a successful replay", len(ls))
	}
	got, err = d.Charge(ctx, "o-1", 250)
	if err != nil || got.Status != "charged" || inner.charged["o-1"] != 1 {
		t.Fatalf("the caller's retry: %+v, %v, %d charges; want the replay's result, no second charge", got, err, inner.charged["o-1"])
	}
}

// Without a fallback the caller gets the capture itself, and the replay
// gets back every argument: a struct, a bool, a variadic slice, and the
// arguments of a method without a context.
func TestReplayDecodesEveryArgument(t *testing.T) {
	d, inner, rt := setup(t)
	ctx := context.Background()
	err := d.Ship(ctx, "o-2", Address{Street: "1 Main St", City: "Oslo"}, true)
	var dle *baldur.DeadLetteredError
	if !errors.As(err, &dle) || !errors.Is(err, baldur.ErrDeadLettered) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Ship while down: %v; want a *DeadLetteredError around ErrUnavailable", err)
	}
	if err := d.Tag(ctx, "o-2", "gift", "fragile"); !errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Tag while down: %v", err)
	}
	if n, err := d.Publish("orders", 3, 4); n != 0 || !errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Publish while down: %d, %v", n, err)
	}
	if ls := letters(t, rt, ""); len(ls) != 3 {
		t.Fatalf("%d letters, want 3", len(ls))
	}

	inner.recover()
	stats, err := rt.Replay(ctx)
	if err != nil || stats.Replayed != 3 {
		t.Fatalf("replay: %+v, %v; want three replayed", stats, err)
	}
	if want := []string{"o-2 to 1 Main St, Oslo express"}; !slices.Equal(inner.shipped, want) {
		t.Errorf("shipped %q, want %q", inner.shipped, want)
	}
	if len(inner.tagged) != 1 || !slices.Equal(inner.tagged[0], []string{"o-2", "gift", "fragile"}) {
		t.Errorf("tagged %q, want the variadic tags back", inner.tagged)
	}
	if !slices.Equal(inner.sent, []int{3, 4}) {
		t.Errorf("published %v, want [3 4]", inner.sent)
	}
}

// A call that succeeds is not captured, and a replay is not captured again
// when it fails: the letter is rescheduled.
func TestReplayThatFailsIsNotCapturedAgain(t *testing.T) {
	d, _, rt := setup(t)
	ctx := context.Background()
	d.Ship(ctx, "o-3", Address{}, false)
	stats, err := rt.Replay(ctx)
	if err != nil || stats.Failed != 1 || stats.Replayed != 0 {
		t.Fatalf("replay while still down: %+v, %v; want one failed", stats, err)
	}
	if ls := letters(t, rt, "dl-ship"); len(ls) != 1 || ls[0].Replays != 1 {
		t.Fatalf("letters %+v; want the one letter, replayed once, not a second capture", ls)
	}
}

// A key a TextMarshaler cannot make is the caller's mistake: it comes back
// before anything runs and is not captured. A key it can make is made
// again from the decoded letter by the replay.
func TestTextKeyIsMadeByTheCallAndByTheReplay(t *testing.T) {
	d, inner, rt := setup(t)
	ctx := context.Background()
	if err := d.Refund(ctx, RefundID{}, 5); err == nil || errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Refund without an order: %v; want the key's error, not captured", err)
	}
	if err := d.Refund(ctx, RefundID{Order: "o-4"}, 5); !errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Refund while down: %v; want it captured", err)
	}
	ls := letters(t, rt, "dl-refund")
	if len(ls) != 1 || ls[0].Key != "refund-o-4" {
		t.Fatalf("letters %+v; want one, keyed refund-o-4", ls)
	}
	inner.recover()
	if stats, err := rt.Replay(ctx); err != nil || stats.Replayed != 1 || inner.refunds["o-4"] != 1 {
		t.Fatalf("replay: %+v, %v, %d refunds", stats, err, inner.refunds["o-4"])
	}
}
