package grpcbaldur

import (
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	baldur "github.com/baldur-go/baldur/runtime"
)

// ClientErrors is gRPC's reading of its errors, for
// baldur.WithClientErrors: connection errors for the mesh switch, and a
// server's RetryInfo as the minimum delay before the next attempt.
func ClientErrors() baldur.ClientErrors {
	return baldur.ClientErrors{Connection: IsConnectionError, RetryAfter: RetryAfter}
}

// transportPrefixes begin the messages grpc-go gives the Unavailable it
// raises itself when the connection failed: it flattens the transport's
// error into the status message, so the cause survives only as text. A
// server's own Unavailable ("overloaded", an Envoy "upstream connect
// error") is an answer and matches none of them.
var transportPrefixes = []string{
	"connection error:",      // a dial failed: transport.ConnectionError
	"last connection error:", // the balancer's summary of failed dials
	"all SubConns are in TransientFailure",
	"transport:",                // transport.ConnectionError's description
	"transport is closing",      // the connection closed under the call
	"error reading from server", // EOF or a reset in the middle of the response
	"connection closed",         // closed before the server's preface
	"closing transport due to",  // closed after a GOAWAY
	"the connection is draining",
	"the stream is rejected because server is draining the connection",
	"stream terminated by RST_STREAM with error code: REFUSED_STREAM", // never processed
}

func transportCaused(msg string) bool {
	for _, p := range transportPrefixes {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// IsConnectionError reports whether err is an Unavailable that grpc-go
// raised because it could not reach the server or lost the connection,
// rather than one the server sent.
func IsConnectionError(err error) bool {
	s := statusOf(err)
	return s != nil && s.Code() == codes.Unavailable && transportCaused(s.Message())
}

// RetryAfter reads the server's pushback: the retry_delay of a
// google.rpc.RetryInfo detail in err's status.
func RetryAfter(err error) (time.Duration, bool) {
	s := statusOf(err)
	if s == nil {
		return 0, false
	}
	// Details allocates nothing for a status without any, the usual case.
	for _, d := range s.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return max(ri.GetRetryDelay().AsDuration(), 0), true
		}
	}
	return 0, false
}
