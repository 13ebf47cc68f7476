package codec

import (
	"context"
	"errors"
	"math/big"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

type payments struct{ charges, stamps atomic.Int32 }

func (p *payments) Charge(ctx context.Context, id string, amount Money) (Money, error) {
	p.charges.Add(1)
	return amount, nil
}

func (p *payments) Stamp(ctx context.Context, id string, at time.Time, c *Cents, cs []Cents, tagged Tagged, emb Embeds, hosts map[netip.Addr]int) (*big.Int, netip.Addr, time.Time, error) {
	p.stamps.Add(1)
	return big.NewInt(c.n + int64(emb.N)), netip.MustParseAddr("10.0.0.1"), at, nil
}

// TestMoneyIsFingerprintedAndStored pins the Money case of testdata/bad/codec from the other
// side: with a marshaller, the same key with another amount is a reused
// key, and a duplicate gets the whole Money back, not a zero one.
func TestMoneyIsFingerprintedAndStored(t *testing.T) {
	rt, _ := harness.BytesOnly(t)
	p := &payments{}
	svc := NewPaymentsProtected(p, rt)
	ctx := context.Background()
	ten := NewMoney(1000, "EUR")
	if got, err := svc.Charge(ctx, "o-1", ten); err != nil || got != ten {
		t.Fatalf("first charge: %+v, %v", got, err)
	}
	if got, err := svc.Charge(ctx, "o-1", ten); err != nil || got != ten || p.charges.Load() != 1 {
		t.Fatalf("duplicate: %+v, %v after %d charges; want the stored %+v", got, err, p.charges.Load(), ten)
	}
	if _, err := svc.Charge(ctx, "o-1", NewMoney(1, "EUR")); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("same key, another amount: %v, want ErrKeyReused", err)
	}
}

func TestPointerMarshallersTagsAndEmbeddedFields(t *testing.T) {
	rt, _ := harness.BytesOnly(t)
	p := &payments{}
	svc := NewPaymentsProtected(p, rt)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.FixedZone("x", 3600))
	hosts := map[netip.Addr]int{netip.MustParseAddr("::1"): 1}
	call := func(c int64, cs []Cents, trace string, n int) (*big.Int, netip.Addr, time.Time, error) {
		return svc.Stamp(ctx, "s-1", at, &Cents{c}, cs, Tagged{Name: "n", Trace: trace}, Embeds{inner{n}}, hosts)
	}
	first, addr, when, err := call(5, []Cents{{1}}, "t-1", 2)
	if err != nil || first.Int64() != 7 || addr.String() != "10.0.0.1" || !when.Equal(at) {
		t.Fatalf("first: %v %v %v %v", first, addr, when, err)
	}
	// Trace is not part of the fingerprint: a duplicate.
	again, addr, when, err := call(5, []Cents{{1}}, "t-2", 2)
	if err != nil || again.Int64() != 7 || addr.String() != "10.0.0.1" || !when.Equal(at) || p.stamps.Load() != 1 {
		t.Fatalf("duplicate: %v %v %v %v after %d stamps", again, addr, when, err, p.stamps.Load())
	}
	for name, other := range map[string]func() error{
		"*Cents":   func() error { _, _, _, err := call(6, []Cents{{1}}, "", 2); return err },
		"[]Cents":  func() error { _, _, _, err := call(5, []Cents{{9}}, "", 2); return err },
		"embedded": func() error { _, _, _, err := call(5, []Cents{{1}}, "", 3); return err },
	} {
		if err := other(); !errors.Is(err, baldur.ErrKeyReused) {
			t.Errorf("another %s under the same key: %v, want ErrKeyReused", name, err)
		}
	}
}
