package baldur_test

import (
	"context"
	"errors"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// failingUpdates is a store whose completing writes fail.
type failingUpdates struct{ baldur.IdempotencyStore }

var errStoreDown = errors.New("store paused")

func (failingUpdates) Update(context.Context, string, baldur.IdempotencyRecord, time.Time) error {
	return errStoreDown
}

type receipt struct{ ID, Status string }

// charge is what a generated decorator does for a method with
// idempotency_key and fallback=queued.
func charge(ctx context.Context, p *baldur.Policy, orderID string, inner func(context.Context) (receipt, error)) (receipt, error) {
	type results struct{ R0 receipt }
	res, err := baldur.Idempotent(ctx, p, orderID, struct{}{}, func(ctx context.Context) (results, error) {
		var r results
		err := p.Do(ctx, nil, func(ctx context.Context) error {
			var err error
			r.R0, err = inner(ctx)
			return err
		})
		return r, err
	})
	if err != nil && p.ShouldFallback(ctx, nil, err) {
		return receipt{Status: "queued"}, nil
	}
	return res.R0, err
}

// A charge that went through but could not be recorded reaches the caller
// with its real receipt and ErrNotRecorded; the fallback never hides it.
// (It used to answer "queued" with a nil error, losing the receipt, and
// the next call after the lease charged again.)
func TestNotRecordedNeverReachesTheFallback(t *testing.T) {
	p := idemPolicy(t, baldur.IdempotencyConfig{StoreTimeout: baldur.Set(50 * time.Millisecond)},
		baldur.WithIdempotencyStore(failingUpdates{newMemoryStore()}))
	ctx := context.Background()
	r, err := charge(ctx, p, "o-1", func(context.Context) (receipt, error) { return receipt{ID: "ch_1", Status: "captured"}, nil })
	if !errors.Is(err, baldur.ErrNotRecorded) || !errors.Is(err, errStoreDown) || r != (receipt{ID: "ch_1", Status: "captured"}) {
		t.Fatalf("caller got %+v, %v; want the real receipt and ErrNotRecorded", r, err)
	}
	if p.ShouldFallback(ctx, nil, &baldur.NotRecordedError{Policy: "p", Err: baldur.ErrLeaseLost}) {
		t.Fatal("ShouldFallback accepted a call that ran")
	}
}
