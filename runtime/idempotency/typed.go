package idempotency

import (
	"bytes"
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
// duplicates get it decoded from the store, each its own value. The caller
// that ran the call gets run's own value, also alongside an error.
//
// run hands its results back by return value, not by writing to variables
// of the caller: a caller whose context ends returns at once while run may
// still be running for other callers.
//
// On a MemoryStore with the JSON codec, a result type without pointers,
// slices, maps, interfaces, channels or functions (strings are fine: they
// cannot be written) is decoded once and then copied for each duplicate:
// the copy is equal to a fresh decode and shares nothing writable.
func Do[R any](ctx context.Context, e *Engine, c Call, run func(context.Context) (R, error)) (R, error) {
	var zero R
	var args []byte
	if c.Key != "" { // without a key there is nothing to compare
		var err error
		if args, err = CanonicalJSON(c.Args); err != nil {
			return zero, fmt.Errorf("%w: arguments of %s: %v", ErrCodec, c.Policy, err)
		}
	}
	tc := &typedCall[R]{fn: run, codec: e.cfg.Codec, policy: c.Policy}
	res := e.execute(ctx, Request{Policy: c.Policy, Key: c.Key, Args: args, TTL: c.TTL}, tc)
	switch {
	case !res.settled:
		return zero, res.err
	case tc.ran:
		return tc.out, res.err
	case res.err != nil:
		return zero, res.err
	}
	if v, ok := res.memo.(R); ok && e.json && copyable[R]() {
		return v, nil
	}
	data := res.val
	if !e.json { // another codec may keep parts of its input in the value
		data = bytes.Clone(data)
	}
	var out R
	if err := e.cfg.Codec.Unmarshal(data, &out); err != nil {
		return zero, fmt.Errorf("%w: stored result of %s: %v", ErrCodec, c.Policy, err)
	}
	if res.token != "" && e.json && copyable[R]() {
		e.mem.setMemo(res.key, res.token, out)
	}
	return out, nil
}

// typedCall is the runner of Do: it keeps run's own results for the caller
// that ran it and encodes them for the store. out and ran are written on
// the flight's goroutine and read by Do only when the outcome is settled,
// that is after that goroutine published it.
type typedCall[R any] struct {
	fn     func(context.Context) (R, error)
	codec  Codec
	policy string
	out    R
	ran    bool
}

func (t *typedCall[R]) run(ctx context.Context) ([]byte, error) {
	r, err := t.fn(ctx)
	t.out, t.ran = r, true
	if err != nil {
		return nil, err
	}
	b, err := t.codec.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("%w: result of %s: %v", ErrCodec, t.policy, err)
	}
	return b, nil
}
