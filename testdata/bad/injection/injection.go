// Injection payloads are rejected, never pasted into the output (#21).
package injection

import "context"

type Gateway interface {
	//baldur:protected name="x\"); os.Exit(1) //"
	A(ctx context.Context) error
	//baldur:protected fallback="f(); func init() { panic(1) }"
	B(ctx context.Context) error
	//baldur:protected retry retry_on="ErrA\n*/ var x = 1"
	C(ctx context.Context) error
	//baldur:protected name=`a` breaker=b`c
	D(ctx context.Context) error
}
