package accounts

import (
	"context"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/baldur-go/baldur/examples/grpc/accountspb"
)

// Server is an in-memory accounts service.
type Server struct {
	accountspb.UnimplementedAccountsServer

	mu       sync.Mutex
	accounts map[string]*accountspb.Account
	creates  int
	// Events feeds every Watch stream.
	Events chan *accountspb.BalanceEvent
}

// NewServer returns a service holding accounts.
func NewServer(accounts ...*accountspb.Account) *Server {
	s := &Server{accounts: map[string]*accountspb.Account{}, Events: make(chan *accountspb.BalanceEvent)}
	for _, a := range accounts {
		s.accounts[a.GetId()] = a
	}
	return s
}

// Creates is how many accounts CreateAccount made.
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

func (s *Server) GetAccount(_ context.Context, in *accountspb.GetAccountRequest) (*accountspb.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[in.GetId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no account %q", in.GetId())
	}
	return proto.CloneOf(a), nil
}

func (s *Server) CreateAccount(_ context.Context, in *accountspb.CreateAccountRequest) (*accountspb.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creates++
	a := &accountspb.Account{Id: fmt.Sprintf("acc-%d", s.creates), Owner: in.GetOwner()}
	switch p := in.GetPayment().(type) {
	case *accountspb.CreateAccountRequest_Card:
		a.Payment = &accountspb.Account_Card{Card: p.Card}
	case *accountspb.CreateAccountRequest_Iban:
		a.Payment = &accountspb.Account_Iban{Iban: p.Iban}
	}
	s.accounts[a.Id] = a
	return proto.CloneOf(a), nil
}

// Watch sends what Events gives until the caller ends the stream.
func (s *Server) Watch(_ *accountspb.WatchRequest, stream grpc.ServerStreamingServer[accountspb.BalanceEvent]) error {
	for {
		select {
		case ev := <-s.Events:
			if err := stream.Send(ev); err != nil {
				return err
			}
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
}

// Deposits sums the deposits it receives.
func (s *Server) Deposits(stream grpc.ClientStreamingServer[accountspb.Deposit, accountspb.DepositSummary]) error {
	sum := &accountspb.DepositSummary{}
	for {
		d, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(sum)
		}
		if err != nil {
			return err
		}
		sum.Deposits++
		sum.TotalCents += d.GetAmountCents()
	}
}

// Faults holds server interceptors that fail the next calls of a method
// with a status code, as an overloaded or broken server does.
type Faults struct {
	mu   sync.Mutex
	next map[string][]codes.Code
	seen map[string]int
}

// Fail makes the next len(cs) calls of method (its full name, such as
// accountspb.Accounts_GetAccount_FullMethodName) fail with cs, in order.
func (f *Faults) Fail(method string, cs ...codes.Code) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next == nil {
		f.next = map[string][]codes.Code{}
	}
	f.next[method] = append(f.next[method], cs...)
}

// Calls is how many calls of method reached the server.
func (f *Faults) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[method]
}

// Unary is the interceptor of unary calls.
func (f *Faults) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := f.take(info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// Stream is the interceptor of streams.
func (f *Faults) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := f.take(info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

// take counts a call of method and returns the fault it is to fail with.
func (f *Faults) take(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[method]++
	cs := f.next[method]
	if len(cs) == 0 {
		return nil
	}
	f.next[method] = cs[1:]
	return status.Errorf(cs[0], "injected %v", cs[0])
}
