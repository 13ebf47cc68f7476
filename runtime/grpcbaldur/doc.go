// Package grpcbaldur teaches Baldur gRPC's errors, which carry a status
// code rather than an identity that errors.Is could match.
//
//   - Classify is a classify= function: transient codes are retried,
//     business codes (NotFound, InvalidArgument, ...) are returned as they
//     are and do not count against the breaker.
//   - Unavailable, NotFound, Transient, Business, ... are values for
//     retry_on, abort_on and ignore that match by code.
//   - ClientErrors, given to baldur.WithClientErrors, makes an Unavailable
//     with a transport cause (a refused dial, a connection lost mid-call) a
//     connection error for mesh.owns_network_retries, and reads a server's
//     RetryInfo as the minimum delay before the next attempt.
//   - UnaryServerInterceptor and StreamServerInterceptor answer a protected
//     call's own refusals (an open breaker, a spent retry budget, a
//     duplicate in flight) with the code a gRPC client understands.
//
// It imports gRPC and the runtime core, nothing else.
package grpcbaldur
