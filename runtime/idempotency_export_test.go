package baldur

import (
	"bytes"
	"context"
)

// Internals that the external tests of package baldur reach.
var (
	CanonicalJSON = canonicalJSON
	StoreKeyOf    = storeKey
)

// ExecuteBytes is one deduplicated call of p at the engine's byte level:
// run returns the encoded result, and the caller gets a copy of the
// stored bytes.
func ExecuteBytes(ctx context.Context, p *Policy, key string, args []byte, run func(context.Context) ([]byte, error)) ([]byte, error) {
	res := p.idem.execute(ctx, &idemRequest{key: key, args: callArgs{canon: args, ready: true}, ttl: p.idemTTL}, runFunc(run))
	return bytes.Clone(res.val), res.err
}
