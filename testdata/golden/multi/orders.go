// Package multi has several annotated interfaces in several files sharing
// one breaker.
package multi

import "context"

type Orders interface {
	//baldur:protected retry=2 breaker=backend
	Place(ctx context.Context, id string) error
}

type Invoices interface {
	//baldur:protected breaker=backend
	Send(ctx context.Context, id string) error
}
