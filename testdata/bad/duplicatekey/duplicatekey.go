// A key written twice, on one line or across lines, names both (#4).
package duplicatekey

import "context"

type Gateway interface {
	//baldur:protected retry=3 retry=5
	Charge(ctx context.Context) error
	//baldur:protected timeout=1s
	//baldur:protected timeout=2s
	Refund(ctx context.Context) error
}
