package grpcbaldur

import (
	"strings"

	"google.golang.org/grpc/codes"
)

// Matcher is an error value for retry_on, abort_on and ignore that
// matches every error carrying one of its status codes, wherever it is
// wrapped. gRPC's own status errors cannot serve: their Is compares the
// message too, so retry_on=ErrUnavailable never matches an Unavailable
// with another message.
//
// Matcher implements baldur.ErrorMatcher; errors.Is(err, m) does not see
// it, only the runtime's lists do (or call MatchError).
type Matcher struct {
	codes uint32 // bit c set for code c; gRPC defines 17 codes
	name  string
}

// Codes returns a Matcher of the given codes.
func Codes(cs ...codes.Code) *Matcher {
	m := &Matcher{}
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		if c < 32 {
			m.codes |= 1 << c
		}
		names = append(names, c.String())
	}
	m.name = "grpc status " + strings.Join(names, "|")
	return m
}

// Error names the codes, so a list printed in a message reads right.
func (m *Matcher) Error() string { return m.name }

// MatchError reports whether err carries one of the codes.
func (m *Matcher) MatchError(err error) bool {
	s := statusOf(err)
	return s != nil && s.Code() < 32 && m.codes&(1<<s.Code()) != 0
}

// One Matcher per code Classify decides, and the two groups.
var (
	Unavailable        = Codes(codes.Unavailable)
	ResourceExhausted  = Codes(codes.ResourceExhausted)
	Aborted            = Codes(codes.Aborted)
	DeadlineExceeded   = Codes(codes.DeadlineExceeded)
	InvalidArgument    = Codes(codes.InvalidArgument)
	NotFound           = Codes(codes.NotFound)
	AlreadyExists      = Codes(codes.AlreadyExists)
	PermissionDenied   = Codes(codes.PermissionDenied)
	Unauthenticated    = Codes(codes.Unauthenticated)
	FailedPrecondition = Codes(codes.FailedPrecondition)
	OutOfRange         = Codes(codes.OutOfRange)
	Unimplemented      = Codes(codes.Unimplemented)
	Internal           = Codes(codes.Internal)

	// Transient is the codes Classify retries: retry_on=grpcbaldur.Transient.
	Transient = Codes(codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.DeadlineExceeded)
	// Business is the codes Classify returns as they are:
	// ignore=grpcbaldur.Business.
	Business = Codes(codes.InvalidArgument, codes.NotFound, codes.AlreadyExists, codes.PermissionDenied,
		codes.Unauthenticated, codes.FailedPrecondition, codes.OutOfRange, codes.Unimplemented)
)
