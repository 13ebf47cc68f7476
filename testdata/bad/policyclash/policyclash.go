// Policy names are unique in the module, not only in a package: two
// methods under one name would share a breaker and idempotency records
// (users.Client.Get answered with orders.Client.Get's records). Default
// names carry the package, so only a name written twice, or two packages
// of the same name, can clash.
package policyclash

import "context"

type Client interface {
	//baldur:protected idempotency_key=id name=get-record
	Get(ctx context.Context, id string) (string, error)
}
