package users

import "context"

type Client interface {
	//baldur:protected idempotency_key=id name=get-record
	Get(ctx context.Context, id string) (string, error)
	// The default name, users.client.put, is free.
	//baldur:protected idempotency_key=id
	Put(ctx context.Context, id string) error
}
