// context= paths are resolved through go/types: a missing parameter or
// field gets the nearest name, a path must end in a string, integer or
// boolean kind, reads fields only, and names each field once.
package contextpath

import "context"

type Customer struct {
	ID      string
	Tier    string
	Balance float64
	Tags    map[string]string
}

func (c *Customer) Key() string { return c.ID }

type Request struct {
	Customer *Customer
	Region   string
}

type Gateway interface {
	//baldur:protected context=req.Customer.Tierr
	Missing(ctx context.Context, req *Request) error

	//baldur:protected context=reqq.Region
	NoParam(ctx context.Context, req *Request) error

	//baldur:protected context=req.Customer
	Struct(ctx context.Context, req *Request) error

	//baldur:protected context=req.Customer.Balance,req.Customer.Tags
	NotBasic(ctx context.Context, req *Request) error

	//baldur:protected context=req.Customer.Key
	Method(ctx context.Context, req *Request) error

	//baldur:protected context=req.Region
	Taken(ctx context.Context, region string, req *Request) error

	//baldur:protected context=ctx
	Context(ctx context.Context, id string) error

	//baldur:protected context=Tier:req.Region
	BadName(ctx context.Context, req *Request) error

	//baldur:protected context="req.Customer.ID, customer:req.Customer.ID"
	Twice(ctx context.Context, req *Request) error
}
