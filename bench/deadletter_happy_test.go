package bench

import (
	"context"
	"log/slog"
	"testing"

	"github.com/baldur-go/baldur/bench/svc"
	baldur "github.com/baldur-go/baldur/runtime"
)

type ledger struct{}

func (ledger) Post(context.Context, string, int64) error      { return nil }
func (ledger) PostPlain(context.Context, string, int64) error { return nil }

var ledgerOK svc.Ledger = ledger{}

// BenchmarkDeadLetterHappyPath: a call that succeeds costs the same with
// dlq as without; the dead-letter queue is not touched until a call fails
// for good.
func BenchmarkDeadLetterHappyPath(b *testing.B) {
	rt, err := baldur.New(baldur.WithLogger(slog.New(slog.DiscardHandler)), baldur.WithDeadLetterStore(baldur.NewMemoryDeadLetterStore(0)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	d := svc.NewLedgerProtected(ledgerOK, rt)
	b.Run("floor", func(b *testing.B) {
		each(b, false, func() int64 { return errValue(ledgerOK.Post(ctx, "e-1", 100)) })
	})
	b.Run("baldur-plain", func(b *testing.B) {
		each(b, false, func() int64 { return errValue(d.PostPlain(ctx, "e-1", 100)) })
	})
	b.Run("baldur-dlq", func(b *testing.B) {
		each(b, false, func() int64 { return errValue(d.Post(ctx, "e-1", 100)) })
	})
}

func errValue(err error) int64 {
	if err != nil {
		panic(err)
	}
	return 1
}
