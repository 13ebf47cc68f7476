package baldur_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Calls that follow each other on fresh keys each get their own call's
// outcome: a failure after a success returns the zero result, not the
// previous caller's, and a later success its own slice; for callers that
// cannot be cancelled (the call runs on their goroutine) and for those
// that can (it runs on one of the runtime's).
func TestSuccessiveCallsGetOnlyTheirOwnOutcome(t *testing.T) {
	t.Run("uncancellable", func(t *testing.T) { successiveCalls(t, context.Background()) })
	t.Run("cancellable", func(t *testing.T) { successiveCalls(t, t.Context()) })
}

func successiveCalls(t *testing.T, ctx context.Context) {
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	boom := errors.New("declined")
	for i := range 6 {
		key := fmt.Sprint("order-", i)
		got, err := baldur.Idempotent(ctx, p, key, nil, func(context.Context) ([]int, error) {
			if i%2 == 1 {
				return nil, boom
			}
			return []int{i}, nil
		})
		switch {
		case i%2 == 1 && (!errors.Is(err, boom) || got != nil):
			t.Fatalf("call %d: %v, %v; want nil, the call's error", i, got, err)
		case i%2 == 0 && (err != nil || len(got) != 1 || got[0] != i):
			t.Fatalf("call %d: %v, %v; want [%d]", i, got, err, i)
		}
		if i%2 == 0 {
			got[0] = -1 // the caller's to change
		}
	}
	got, err := baldur.Idempotent(ctx, p, "order-0", nil, func(context.Context) ([]int, error) { return nil, errors.New("ran again") })
	if err != nil || len(got) != 1 || got[0] != 0 {
		t.Fatalf("duplicate of order-0: %v, %v; want the stored [0]", got, err)
	}
}
