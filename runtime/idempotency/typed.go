package idempotency

import (
	"context"
	"fmt"
	"time"
)

// Call is one call as generated code describes it to Do.
type Call struct {
	// Policy is the policy name, e.g. "charge-customer".
	Policy string
	// Key is the idempotency key as text; "" when missing (empty string,
	// nil pointer, empty slice...). Generated code does the conversion.
	Key string
	// Args holds the other arguments; its CanonicalJSON is fingerprinted.
	Args any
	// TTL overrides Config.TTL for this call when positive.
	TTL time.Duration
}

// Do is Execute for generated code. run returns the method's results as
// one value R (a generated struct; struct{} for a method that returns only
// an error), which Do encodes with the engine's Codec for the store;
// duplicates get it decoded from the store. The caller that ran the call
// gets run's own value, also alongside an error.
//
// run hands its results back by return value, not by writing to variables
// of the caller: a caller whose context ends returns at once while run may
// still be running for other callers.
func Do[R any](ctx context.Context, e *Engine, c Call, run func(context.Context) (R, error)) (R, error) {
	var zero R
	var args []byte
	if c.Key != "" { // without a key there is nothing to compare
		var err error
		if args, err = CanonicalJSON(c.Args); err != nil {
			return zero, fmt.Errorf("%w: arguments of %s: %v", ErrCodec, c.Policy, err)
		}
	}
	var (
		out R
		ran bool
	)
	// out and ran are written on the flight's goroutine and read here only
	// when settled, that is after that goroutine published the outcome.
	val, err, settled := e.execute(ctx, Request{Policy: c.Policy, Key: c.Key, Args: args, TTL: c.TTL},
		func(ctx context.Context) ([]byte, error) {
			r, err := run(ctx)
			out, ran = r, true
			if err != nil {
				return nil, err
			}
			b, err := e.cfg.Codec.Marshal(r)
			if err != nil {
				return nil, fmt.Errorf("%w: result of %s: %v", ErrCodec, c.Policy, err)
			}
			return b, nil
		})
	switch {
	case !settled:
		return zero, err
	case ran:
		return out, err
	case err != nil:
		return zero, err
	}
	var res R
	if err := e.cfg.Codec.Unmarshal(val, &res); err != nil {
		return zero, fmt.Errorf("%w: stored result of %s: %v", ErrCodec, c.Policy, err)
	}
	return res, nil
}
