// Package streams protects methods whose results outlive the call (issue
// 11): a stream shaped like gRPC's, a channel, an io.ReadCloser. The
// interface's timeout does not apply to them (lint says so), and a timeout
// set in baldur.yaml cannot cut them off either: the call gets the caller's
// context, not the attempt's.
package streams

import (
	"context"
	"io"
)

type Event struct{ Seq int }

// EventStream has the shape of grpc.ServerStreamingClient[Event].
type EventStream interface {
	Recv() (*Event, error)
	Context() context.Context
	RecvMsg(m any) error
	SendMsg(m any) error
	CloseSend() error
}

//baldur:protected retry=3 timeout=50ms
type Feed interface {
	Watch(ctx context.Context, topic string) (EventStream, error)
	Lines(ctx context.Context, name string) (<-chan string, error)
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Latest returns a value: the timeout applies.
	Latest(ctx context.Context, topic string) (Event, error)
}
