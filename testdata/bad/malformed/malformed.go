// Malformed syntax: a directive written as a call (#1).
package malformed

import "context"

type Gateway interface {
	//baldur:retry(max_attempts=3
	Charge(ctx context.Context) error
	//baldur:protected retry=(3)
	Refund(ctx context.Context) error
}
