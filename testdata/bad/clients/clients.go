// Annotations real clients' shapes refuse (issue 11).
package clients

import (
	"context"
	"database/sql"
	"io"
)

type Chunk struct{ Data []byte }

// ChunkStream has the shape of a gRPC stream.
type ChunkStream interface {
	Send(*Chunk) error
	CloseAndRecv() (*Chunk, error)
	SendMsg(m any) error
	RecvMsg(m any) error
}

type Option func(*Options)

type Options struct{ Verbose bool }

type A interface {
	// A timeout would end what the call returns as the call returns.
	//baldur:protected timeout=2s
	Query(ctx context.Context, query string) (*sql.Rows, error)
	//baldur:protected retry timeout=1s
	Upload(ctx context.Context) (ChunkStream, error)
	//baldur:protected timeout=1s
	Tail(ctx context.Context, name string) (<-chan string, error)
	//baldur:protected timeout=1s
	Open(ctx context.Context, name string) (io.ReadCloser, error)

	// fingerprint= names parameters of the method, not the context, each
	// once, with idempotency_key.
	//baldur:protected idempotency_key=id fingerprint=id,amout
	Charge(ctx context.Context, id string, amount int64, opts ...Option) error
	//baldur:protected idempotency_key=id fingerprint=ctx,amount
	Refund(ctx context.Context, id string, amount int64) error
	//baldur:protected idempotency_key=id fingerprint=amount,amount
	Void(ctx context.Context, id string, amount int64) error
	//baldur:protected retry fingerprint=id
	Capture(ctx context.Context, id string) error
	//baldur:protected idempotency_key=id fingerprint=id,"amount"
	Hold(ctx context.Context, id string, amount int64) error
	// A func option is left out of the fingerprint, unless named.
	//baldur:protected idempotency_key=id fingerprint=id,opts
	Settle(ctx context.Context, id string, opts ...Option) error
}

//baldur:protected fingerprint=id
type B interface {
	Get(ctx context.Context, id string) error
}
