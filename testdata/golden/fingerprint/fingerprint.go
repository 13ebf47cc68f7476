// Package fingerprint pins what an idempotency fingerprint and a dead
// letter encode (issue 11): trailing call options are left out,
// fingerprint= names the arguments that count, a variadic of any is the
// call's data, and proto messages travel as protojson, oneofs included.
package fingerprint

import (
	"context"

	"google.golang.org/protobuf/types/known/structpb"
)

// CallOption is shaped like grpc.CallOption: an interface whose values say
// how to make the call.
type CallOption interface{ apply(*Options) }

type Options struct{ WaitForReady bool }

// WaitForReady has an exported field, so encoding/json would write it, as
// it writes grpc.WaitForReady(true).
type WaitForReady struct{ Wait bool }

func (o WaitForReady) apply(opts *Options) { opts.WaitForReady = o.Wait }

// OnFinish is a func option, which JSON cannot encode at all.
type OnFinish func(*Options)

type Receipt struct {
	ID     string `json:"id"`
	Amount int64  `json:"amount"`
}

type Ledger interface {
	//baldur:protected idempotency_key=id retry=3
	Post(ctx context.Context, id string, amount int64, opts ...CallOption) (Receipt, error)
	//baldur:protected idempotency_key=id fingerprint=id,amount
	Transfer(ctx context.Context, id string, amount int64, note string) (Receipt, error)
	//baldur:protected idempotency_key=id
	Exec(ctx context.Context, id string, args ...any) error
	//baldur:protected idempotency_key=id
	Set(ctx context.Context, id string, value *structpb.Value, opts ...OnFinish) (*structpb.Value, error)
	// A dead letter keeps the message, not the options: a replay makes the
	// call without them.
	//baldur:protected retry=2 dlq
	Notify(ctx context.Context, id string, value *structpb.Value, opts ...OnFinish) error
}
