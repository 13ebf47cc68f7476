package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/baldur-go/baldur/examples/grpc/accountspb"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

// Servers, connections and runtimes end with each test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

// noDelay retries at once (the tests count attempts, not delays) and gives
// the streams a timeout in baldur.yaml too, which must not reach them.
const noDelay = `
defaults:
  retry: {initial_delay: 0s, max_delay: 0s}
  budget: {enabled: false}
policies:
  accounts.accounts-client.watch: {timeout: 50ms}
  accounts.accounts-client.deposits: {timeout: 50ms}
`

type env struct {
	server *Server
	faults *Faults
	conn   *grpc.ClientConn
	rt     *baldur.Runtime
	clock  *baldurtest.Clock
}

// start runs the accounts service on 127.0.0.1 behind a fault-injecting
// interceptor and grpcbaldur's, and a runtime on a fake clock; opts are
// more runtime options.
func start(t *testing.T, opts ...baldur.Option) *env {
	t.Helper()
	e := &env{
		server: NewServer(&accountspb.Account{Id: "acc-ada", Owner: "Ada", BalanceCents: 1200,
			Payment: &accountspb.Account_Iban{Iban: "DE02120300000000202051"}}),
		faults: &Faults{},
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(e.faults.Unary, grpcbaldur.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(e.faults.Stream, grpcbaldur.StreamServerInterceptor()))
	accountspb.RegisterAccountsServer(srv, e.server)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	if e.conn, err = Dial(lis.Addr().String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.conn.Close() })
	// The clock starts now: gRPC sends an attempt's deadline to the server
	// as a duration from the real clock.
	e.clock = baldurtest.NewClock(time.Now())
	opts = append([]baldur.Option{baldur.WithClock(e.clock), baldur.WithConfigYAML([]byte(noDelay)),
		baldur.WithLogger(slog.New(slog.DiscardHandler))}, append(RuntimeOptions(), opts...)...)
	if e.rt, err = baldur.New(opts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.rt.Close() })
	return e
}

// Classified by code through the generated decorator: Unavailable is
// retried, NotFound returned at once and not counted by the breaker,
// Internal counted and not retried. Before issue 11 a NotFound was retried
// to the limit and counted.
func TestClassifiedByCode(t *testing.T) {
	e := start(t)
	c := New(e.conn, e.rt)
	get := accountspb.Accounts_GetAccount_FullMethodName

	e.faults.Fail(get, codes.Unavailable, codes.Unavailable)
	a, err := c.GetAccount(bg, &accountspb.GetAccountRequest{Id: "acc-ada"})
	if err != nil || a.GetOwner() != "Ada" || e.faults.Calls(get) != 3 {
		t.Fatalf("%v, %v after %d calls; want Ada after 3", a, err, e.faults.Calls(get))
	}

	_, err = c.GetAccount(bg, &accountspb.GetAccountRequest{Id: "acc-nobody"})
	if status.Code(err) != codes.NotFound || e.faults.Calls(get) != 4 {
		t.Fatalf("%v after %d calls; want NotFound after one more", err, e.faults.Calls(get))
	}

	e.faults.Fail(get, codes.Internal)
	if _, err := c.GetAccount(bg, &accountspb.GetAccountRequest{Id: "acc-ada"}); status.Code(err) != codes.Internal || e.faults.Calls(get) != 5 {
		t.Fatalf("%v after %d calls; want Internal, not retried", err, e.faults.Calls(get))
	}
	// Two Unavailable and one Internal: the NotFound is not the server's failure.
	if m := c.getAccount.Breaker().Metrics(); m.Failures != 3 {
		t.Fatalf("breaker %+v; want 3 failures", m)
	}
}

// failFirst fails its first Watch and Deposits as a dial that found no
// connection does: establishing a stream is retried.
type failFirst struct {
	accountspb.AccountsClient
	watches, deposits int
}

var errNoConnection = status.Error(codes.Unavailable, "injected: no connection")

func (f *failFirst) Watch(ctx context.Context, in *accountspb.WatchRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[accountspb.BalanceEvent], error) {
	if f.watches++; f.watches == 1 {
		return nil, errNoConnection
	}
	return f.AccountsClient.Watch(ctx, in, opts...)
}

func (f *failFirst) Deposits(ctx context.Context, opts ...grpc.CallOption) (grpc.ClientStreamingClient[accountspb.Deposit, accountspb.DepositSummary], error) {
	if f.deposits++; f.deposits == 1 {
		return nil, errNoConnection
	}
	return f.AccountsClient.Deposits(ctx, opts...)
}

// A Watch stream keeps receiving long past the attempt timeout (2s from
// the interface's defaults, 50ms from baldur.yaml); the caller's context
// still ends it. Before issue 11 its first Recv failed with Canceled.
func TestWatchKeepsReceivingPastTheTimeout(t *testing.T) {
	e := start(t)
	inner := &failFirst{AccountsClient: accountspb.NewAccountsClient(e.conn)}
	c := NewAccountsProtected(inner, e.rt)
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	stream, err := c.Watch(ctx, &accountspb.WatchRequest{Id: "acc-ada"})
	if err != nil || inner.watches != 2 {
		t.Fatalf("Watch: %v after %d tries; want a stream after 2", err, inner.watches)
	}
	e.clock.Advance(time.Hour)
	go func() {
		for i := int64(1); i <= 3; i++ {
			e.server.Events <- &accountspb.BalanceEvent{Seq: i, BalanceCents: 1200 + i}
		}
	}()
	for i := int64(1); i <= 3; i++ {
		ev, err := stream.Recv()
		if err != nil || ev.GetSeq() != i {
			t.Fatalf("Recv %d: %v, %v", i, ev, err)
		}
	}
	cancel()
	if _, err := stream.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("Recv after the caller cancelled: %v, want Canceled", err)
	}
}

// A server's status on a server stream arrives with the first Recv, after
// Watch returned: it is the caller's to handle, and no attempt of the
// decorator's sees it (docs/clients.md).
func TestServerStreamStatusArrivesWithTheFirstRecv(t *testing.T) {
	e := start(t)
	watch := accountspb.Accounts_Watch_FullMethodName
	e.faults.Fail(watch, codes.Unavailable)
	stream, err := New(e.conn, e.rt).Watch(bg, &accountspb.WatchRequest{Id: "acc-ada"})
	if err != nil {
		t.Fatalf("Watch: %v; the server's status comes later", err)
	}
	if _, err := stream.Recv(); status.Code(err) != codes.Unavailable || e.faults.Calls(watch) != 1 {
		t.Fatalf("Recv: %v after %d calls; want the server's Unavailable, not retried", err, e.faults.Calls(watch))
	}
}

// A client stream sends long past the attempt timeout. Before issue 11
// Send returned io.EOF once the call had returned.
func TestDepositsSendPastTheTimeout(t *testing.T) {
	e := start(t)
	inner := &failFirst{AccountsClient: accountspb.NewAccountsClient(e.conn)}
	stream, err := NewAccountsProtected(inner, e.rt).Deposits(bg)
	if err != nil || inner.deposits != 2 {
		t.Fatalf("Deposits: %v after %d tries; want a stream after 2", err, inner.deposits)
	}
	e.clock.Advance(time.Hour)
	for _, cents := range []int64{100, 250, 5} {
		if err := stream.Send(&accountspb.Deposit{AccountId: "acc-ada", AmountCents: cents}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil || sum.GetDeposits() != 3 || sum.GetTotalCents() != 355 {
		t.Fatalf("%v, %v; want 3 deposits of 355 cents", sum, err)
	}
}

// bytesOnly keeps idempotency records only as bytes, as a store shared by
// replicas does: a duplicate's answer is decoded from JSON.
type bytesOnly struct{ baldur.IdempotencyStore }

// The same create, retried by the caller with other call options, creates
// one account, and the duplicate gets it back whole, oneof included,
// decoded from the stored protojson. Before issue 11 the options were part
// of the fingerprint (ErrKeyReused), and a result with a oneof was refused
// ("JSON cannot decode into an interface").
func TestCreateAccountIdempotentWhateverTheCallOptions(t *testing.T) {
	e := start(t, baldur.WithIdempotencyStore(bytesOnly{baldur.NewMemoryStore(baldur.MemoryLimits{})}))
	c := New(e.conn, e.rt)
	req := &accountspb.CreateAccountRequest{RequestId: "req-7", Owner: "Grace",
		Payment: &accountspb.CreateAccountRequest_Card{Card: &accountspb.Card{Brand: "visa", Last4: "4242"}}}
	first, err := c.CreateAccount(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateAccount(bg, req, grpc.WaitForReady(true))
	if err != nil || e.server.Creates() != 1 {
		t.Fatalf("%v after %d creates; want the first account, created once", err, e.server.Creates())
	}
	if !proto.Equal(again, first) || again.GetCard().GetLast4() != "4242" {
		t.Fatalf("the duplicate got %v; want %v", again, first)
	}
	other := proto.CloneOf(req)
	other.Payment = &accountspb.CreateAccountRequest_Iban{Iban: "FR7630006000011234567890189"}
	if _, err := c.CreateAccount(bg, other); !errors.Is(err, baldur.ErrKeyReused) {
		t.Fatalf("another payment under the request id: %v, want ErrKeyReused", err)
	}
}

// Why the decorator encodes proto messages with protojson: encoding/json
// cannot read a oneof back.
func TestEncodingJSONCannotReadAOneof(t *testing.T) {
	a := &accountspb.Account{Id: "acc-1", Payment: &accountspb.Account_Iban{Iban: "DE02"}}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, new(accountspb.Account)); err == nil {
		t.Fatal("encoding/json read a oneof back")
	}
}
