package fingerprint

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/testdata/lib/harness"
)

type ledger struct {
	posts, transfers, execs, sets int
	down                          bool
	notified                      []*structpb.Value
	options                       []int
}

func (l *ledger) Post(ctx context.Context, id string, amount int64, opts ...CallOption) (Receipt, error) {
	l.posts++
	return Receipt{ID: id, Amount: amount}, nil
}

func (l *ledger) Transfer(ctx context.Context, id string, amount int64, note string) (Receipt, error) {
	l.transfers++
	return Receipt{ID: id, Amount: amount}, nil
}

func (l *ledger) Exec(ctx context.Context, id string, args ...any) error {
	l.execs++
	return nil
}

func (l *ledger) Set(ctx context.Context, id string, value *structpb.Value, opts ...OnFinish) (*structpb.Value, error) {
	l.sets++
	return value, nil
}

func (l *ledger) Notify(ctx context.Context, id string, value *structpb.Value, opts ...OnFinish) error {
	if l.down {
		return errors.New("unavailable")
	}
	l.notified = append(l.notified, value)
	l.options = append(l.options, len(opts))
	return nil
}

var bg = context.Background()

// The same request with other call options is the same operation. Before
// issue 11 the options were fingerprinted: the retry of a request with
// WaitForReady was ErrKeyReused.
func TestCallOptionsAreNotFingerprinted(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &ledger{}
	l := NewLedgerProtected(inner, rt)
	first, err := l.Post(bg, "p-1", 100)
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.Post(bg, "p-1", 100, WaitForReady{Wait: true})
	if err != nil || again != first || inner.posts != 1 {
		t.Fatalf("%v, %v after %d posts; want the first receipt, posted once", again, err, inner.posts)
	}
	if _, err := l.Post(bg, "p-1", 200); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("another amount under the key: %v, want ErrKeyReused", err)
	}
}

// fingerprint= names the arguments that count: a note is not one.
func TestFingerprintNamesTheArguments(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &ledger{}
	l := NewLedgerProtected(inner, rt)
	if _, err := l.Transfer(bg, "t-1", 5, "first try"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Transfer(bg, "t-1", 5, "retried by the client"); err != nil || inner.transfers != 1 {
		t.Fatalf("%v after %d transfers; want the first one's answer", err, inner.transfers)
	}
	if _, err := l.Transfer(bg, "t-1", 6, "first try"); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("another amount under the key: %v, want ErrKeyReused", err)
	}
}

// A variadic of any is the call's data (pgx's args ...any), not options.
func TestVariadicOfAnyIsFingerprinted(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	l := NewLedgerProtected(&ledger{}, rt)
	if err := l.Exec(bg, "e-1", "alice", 10); err != nil {
		t.Fatal(err)
	}
	if err := l.Exec(bg, "e-1", "bob", 10); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("other arguments under the key: %v, want ErrKeyReused", err)
	}
}

// A proto message with a oneof is fingerprinted and stored as protojson:
// a duplicate, answered from a store that keeps only bytes, gets the
// message back whole. (A generated message without JSON methods of its
// own, refused before issue 11, is examples/grpc's.)
func TestProtoMessagesTravelAsProtojson(t *testing.T) {
	rt, _ := harness.BytesOnly(t)
	inner := &ledger{}
	l := NewLedgerProtected(inner, rt)
	v, _ := structpb.NewValue(map[string]any{"kind": "card", "last4": "4242", "tags": []any{"a", 1.5}})
	first, err := l.Set(bg, "s-1", v, func(*Options) {})
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.Set(bg, "s-1", v)
	if err != nil || inner.sets != 1 {
		t.Fatalf("%v after %d sets; want the recorded answer", err, inner.sets)
	}
	if !proto.Equal(again, v) || !proto.Equal(first, v) || again == v {
		t.Fatalf("duplicate got %v; want a decoded copy of %v", again, v)
	}
	other, _ := structpb.NewValue("a string this time")
	if _, err := l.Set(bg, "s-1", other); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("another message under the key: %v, want ErrKeyReused", err)
	}
}

// A dead letter keeps a proto message whole and leaves the call options
// out: the call is captured although an option is a func, which JSON
// cannot encode, and the replay gets the message back, oneof included,
// and no options. Before issue 11 dlq refused the method: "argument opts:
// JSON cannot encode a func".
func TestDeadLetterKeepsTheMessageNotTheOptions(t *testing.T) {
	rt, _ := harness.Runtime(t, "", baldur.WithDeadLetterStore(baldur.NewMemoryDeadLetterStore(10)))
	inner := &ledger{down: true}
	l := NewLedgerProtected(inner, rt)
	v, _ := structpb.NewValue(map[string]any{"kind": "card", "last4": "4242"})
	if err := l.Notify(bg, "n-1", v, func(*Options) {}); !errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Notify while down: %v; want it dead-lettered", err)
	}
	inner.down = false
	if stats, err := rt.Replay(bg); err != nil || stats.Replayed != 1 {
		t.Fatalf("replay: %+v, %v", stats, err)
	}
	if len(inner.notified) != 1 || !proto.Equal(inner.notified[0], v) || inner.options[0] != 0 {
		t.Fatalf("replayed with %v and %v options; want %v and none", inner.notified, inner.options, v)
	}
}
