package grpcbaldur

import (
	"errors"

	"google.golang.org/grpc/codes"

	baldur "github.com/baldur-go/baldur/runtime"
)

// decisions is what Classify says of each code; a code not listed is left
// to the runtime's rules (DecideDefault).
var decisions = [...]baldur.Decision{
	// The server, or the path to it, could not take the call now; another
	// attempt may succeed.
	codes.Unavailable:       baldur.DecideRetry,
	codes.ResourceExhausted: baldur.DecideRetry,
	codes.Aborted:           baldur.DecideRetry,
	codes.DeadlineExceeded:  baldur.DecideRetry,
	// The server answered, and the answer is about the request: asking
	// again gets the same answer, and a healthy server must not open the
	// breaker because callers send bad input.
	codes.InvalidArgument:    baldur.DecideIgnore,
	codes.NotFound:           baldur.DecideIgnore,
	codes.AlreadyExists:      baldur.DecideIgnore,
	codes.PermissionDenied:   baldur.DecideIgnore,
	codes.Unauthenticated:    baldur.DecideIgnore,
	codes.FailedPrecondition: baldur.DecideIgnore,
	codes.OutOfRange:         baldur.DecideIgnore,
	codes.Unimplemented:      baldur.DecideIgnore,
	// The server broke: retrying replays the bug or the loss, but it is
	// the server's failure and counts.
	codes.Internal: baldur.DecideFail,
	codes.DataLoss: baldur.DecideFail,
	// Unknown (a handler's plain Go error) and Canceled stay with the
	// runtime: zero is DecideDefault.
	codes.Unknown:  baldur.DecideDefault,
	codes.Canceled: baldur.DecideDefault,
}

// Classify is a classify= function for gRPC methods: it decides by the
// status code of err.
//
//   - Unavailable, ResourceExhausted, Aborted and DeadlineExceeded are
//     retried (DecideRetry), but an Unavailable with a transport cause is
//     left to the runtime (DecideDefault), so that mesh.owns_network_retries
//     applies to it when ClientErrors is installed.
//   - InvalidArgument, NotFound, AlreadyExists, PermissionDenied,
//     Unauthenticated, FailedPrecondition, OutOfRange and Unimplemented are
//     business outcomes (DecideIgnore).
//   - Internal and DataLoss fail without a retry (DecideFail).
//   - Everything else, and every error that is not a gRPC status, is left
//     to the runtime (DecideDefault).
//
// A DeadlineExceeded is retried only when it is the server's: baldur's
// own per-attempt timeout arrives as a *baldur.TimeoutError, which the
// runtime retries itself (DecideDefault here), and once the caller's own
// context has ended the runtime retries nothing, whatever a classifier says.
func Classify(_ baldur.PolicyContext, err error) baldur.Decision {
	if err == nil || errors.Is(err, baldur.ErrTimeout) {
		return baldur.DecideDefault
	}
	s := statusOf(err)
	if s == nil {
		return baldur.DecideDefault
	}
	c := s.Code()
	if c == codes.Unavailable && transportCaused(s.Message()) {
		return baldur.DecideDefault
	}
	if int(c) < len(decisions) {
		return decisions[c]
	}
	return baldur.DecideDefault
}
