// Policy names are unique in the module, not only in a package: two
// methods under one name would share a breaker and idempotency records
// (issue 8: users.Client.Get answered orders.Client.Get). Default names
// carry the package, so only a name written twice, or two packages of the
// same name, can clash.
package policyclash

import "context"

type Client interface {
	//baldur:protected idempotency_key=id name=get-record
	Get(ctx context.Context, id string) (string, error)
}
