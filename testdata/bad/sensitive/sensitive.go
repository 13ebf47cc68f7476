// sensitive= names parameters or field paths; an unknown one is an error,
// not a silent no-op that would leave the real value in the events.
package sensitive

import "context"

type Card struct{ PAN, Holder string }

type Payments interface {
	//baldur:protected sensitive=cardNumbr
	Unknown(ctx context.Context, cardNumber string) error

	//baldur:protected sensitive=card.Pan
	Field(ctx context.Context, card Card) error

	//baldur:protected sensitive=card context=card.PAN
	Both(ctx context.Context, card Card) error
}
