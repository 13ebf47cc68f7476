package streams

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/testdata/lib/harness"
)

// feed's results live on their call's context: cancelling it ends them,
// as gRPC, database/sql and HTTP clients do.
type feed struct {
	watches int
	latest  int
}

type stream struct {
	ctx context.Context
	seq int
}

func (s *stream) Recv() (*Event, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	s.seq++
	return &Event{Seq: s.seq}, nil
}
func (s *stream) Context() context.Context { return s.ctx }
func (s *stream) RecvMsg(any) error        { return nil }
func (s *stream) SendMsg(any) error        { return nil }
func (s *stream) CloseSend() error         { return nil }

var errUnavailable = errors.New("unavailable")

func (f *feed) Watch(ctx context.Context, topic string) (EventStream, error) {
	f.watches++
	if f.watches == 1 {
		return nil, errUnavailable // establishing the stream is retried
	}
	return &stream{ctx: ctx}, nil
}

func (f *feed) Lines(ctx context.Context, name string) (<-chan string, error) {
	ch := make(chan string)
	go func() {
		defer close(ch)
		for _, l := range []string{"a", "b", "c"} {
			select {
			case ch <- l:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

type ctxReader struct{ ctx context.Context }

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return copy(p, "data"), io.EOF
}
func (r ctxReader) Close() error { return nil }

func (f *feed) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	return ctxReader{ctx}, nil
}

func (f *feed) Latest(ctx context.Context, topic string) (Event, error) {
	f.latest++
	<-ctx.Done()
	return Event{}, ctx.Err()
}

// The policies' timeouts come from baldur.yaml too; neither reaches the
// streams.
const config = `
policies:
  streams.feed.watch: {timeout: 50ms}
  streams.feed.lines: {timeout: 50ms}
  streams.feed.open: {timeout: 50ms}
`

// A Watch stream keeps receiving long past the attempt timeout, and its
// establishment is retried. Before issue 11 its first Recv failed with
// context.Canceled: the attempt's context ended as Do returned.
func TestStreamOutlivesTheAttemptTimeout(t *testing.T) {
	rt, clock := harness.Runtime(t, config)
	inner := &feed{}
	f := NewFeedProtected(inner, rt)
	s, err := f.Watch(context.Background(), "orders")
	if err != nil || inner.watches != 2 {
		t.Fatalf("Watch: %v after %d tries; want a stream after 2", err, inner.watches)
	}
	clock.Advance(time.Hour)
	for i := 1; i <= 3; i++ {
		ev, err := s.Recv()
		if err != nil || ev.Seq != i {
			t.Fatalf("Recv %d: %v, %v; want event %d", i, ev, err, i)
		}
	}
}

// The caller's context still ends the stream.
func TestCallersContextEndsTheStream(t *testing.T) {
	rt, _ := harness.Runtime(t, config)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := NewFeedProtected(&feed{watches: 1}, rt).Watch(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := s.Recv(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv after the caller cancelled: %v", err)
	}
}

// A channel is fed, and a reader read, after the call returns.
func TestChannelAndReaderOutliveTheCall(t *testing.T) {
	rt, clock := harness.Runtime(t, config)
	f := NewFeedProtected(&feed{}, rt)
	ch, err := f.Lines(context.Background(), "log")
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(context.Background(), "file")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	var lines []string
	for l := range ch {
		lines = append(lines, l)
	}
	if len(lines) != 3 {
		t.Fatalf("read %q from the channel; want a, b, c", lines)
	}
	if b, err := io.ReadAll(r); string(b) != "data" || err != nil {
		t.Fatalf("read %q, %v", b, err)
	}
}

// A method returning a value keeps the interface's timeout.
func TestValueKeepsTheTimeout(t *testing.T) {
	rt, clock := harness.Runtime(t, "")
	inner := &feed{}
	err := harness.AdvanceWhenWaiting(t, clock, 50*time.Millisecond, harness.Background(func() error {
		_, err := NewFeedProtected(inner, rt).Latest(context.Background(), "orders")
		return err
	}))
	if !errors.Is(err, baldur.ErrTimeout) || inner.latest != 3 {
		t.Fatalf("%v after %d attempts; want 3 attempts, each timed out", err, inner.latest)
	}
}
