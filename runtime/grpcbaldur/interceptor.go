package grpcbaldur

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
)

// UnaryServerInterceptor answers a handler's baldur refusals with the
// status a gRPC client acts on: see StatusOf. Without it they reach the
// client as Unknown, which no client's retry policy treats as transient.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		return resp, StatusOf(err)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming methods.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return StatusOf(handler(srv, ss))
	}
}

// StatusOf maps baldur's refusals in err to gRPC statuses, and returns
// every other error unchanged:
//
//   - ErrBreakerOpen and ErrRetryBudget become Unavailable: this server's
//     dependency is down or shedding retries, so the client may try again
//     later or elsewhere.
//   - ErrInFlight becomes Aborted: a call with the same idempotency key
//     is running; the client's retry gets the first call's result.
//
// The refusal wins over a status the error also wraps (the last attempt's
// Unavailable under a spent budget, say): it is why the call ended now.
func StatusOf(err error) error {
	var c codes.Code
	switch {
	case err == nil:
		return nil
	case errors.Is(err, baldur.ErrBreakerOpen), errors.Is(err, baldur.ErrRetryBudget):
		c = codes.Unavailable
	case errors.Is(err, baldur.ErrInFlight):
		c = codes.Aborted
	default:
		return err
	}
	return status.Error(c, err.Error())
}
