// Package accounts is a gRPC client protected by generated code, with no
// adapter written by hand: the AccountsClient interface protoc-gen-go-grpc
// wrote for accountspb, decorated into this package by baldurgen from
// baldurgen.yaml. Server is the service it talks to; the tests run both on
// 127.0.0.1.
//
// What the decorator does for each method is in docs/clients.md: unary
// calls are retried by status code (grpcbaldur's matchers), CreateAccount
// is deduplicated by its request_id whatever the call options, and the two
// streams are established under retry and breaker, then left to the caller,
// on the caller's context.
package accounts

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/baldur-go/baldur/examples/grpc/accountspb"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
)

// Dial connects to the accounts service at addr with grpc-go's own retries
// off, so that Baldur's attempts are the only ones (docs/clients.md).
func Dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDisableRetry())
}

// New returns the protected client of conn.
func New(conn grpc.ClientConnInterface, rt *baldur.Runtime) *AccountsProtected {
	return NewAccountsProtected(accountspb.NewAccountsClient(conn), rt)
}

// RuntimeOptions are what a runtime serving gRPC clients takes: gRPC's
// reading of its errors (connection errors for the mesh switch, a
// server's RetryInfo).
func RuntimeOptions() []baldur.Option {
	return []baldur.Option{baldur.WithClientErrors(grpcbaldur.ClientErrors())}
}
