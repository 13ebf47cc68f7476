package grpcbaldur

import "google.golang.org/grpc/status"

// grpcStatus is what gRPC's status errors implement.
type grpcStatus interface{ GRPCStatus() *status.Status }

// statusOf returns the status of the first error in err's chain that has
// one, and nil when none has. Unlike status.FromError it neither copies the
// status nor replaces its message with the wrapper's text: classifying runs
// once per failed attempt, and the message is read for its transport
// prefix.
func statusOf(err error) *status.Status {
	for err != nil {
		switch e := err.(type) {
		case grpcStatus:
			return e.GRPCStatus()
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if s := statusOf(inner); s != nil {
					return s
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}
