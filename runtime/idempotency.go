package baldur

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// WithIdempotencyStore keeps idempotency records in s instead of the
// bounded in-memory store every Runtime has by default; see
// runtime/store/redisstore and runtime/store/pgstore for stores shared by
// replicas.
func WithIdempotencyStore(s IdempotencyStore) Option {
	return func(rt *Runtime) error {
		if s == nil {
			return errors.New("baldur: WithIdempotencyStore: nil store")
		}
		rt.idemStore = s
		return nil
	}
}

// callerErrors are mistakes of the caller: nothing ran, and a fallback's
// stand-in answer would hide them.
var callerErrors = []error{ErrKeyReused, ErrInFlight, ErrMissingKey, ErrMissingTenant, ErrInvalidKey, errCallerMistake}

// Idempotent runs run at most once per key while the key's record lives
// and hands every duplicate the first call's results; generated decorators
// call it for methods annotated with idempotency_key. args are the other
// arguments, fingerprinted to detect a key reused with different ones; R
// holds the results, stored as JSON for duplicates in other processes, each
// of which gets a value of its own. The caller that ran the call gets
// run's own value, also alongside an error.
//
// run executes on a goroutine of the runtime, on a context that keeps the
// caller's values and ends only when every local caller waiting for it has
// given up; it hands its results back by return value, not by writing the
// caller's variables, since a caller whose context ends returns at once
// while run may still be running for others. Failures are not stored (a
// retry runs again) unless marked with Permanent.
//
// On the memory store, a result type without pointers, slices, maps,
// interfaces, channels or functions (strings are fine: they cannot be
// written) is decoded once and then copied for each duplicate: the copy is
// equal to a fresh decode and shares nothing writable.
func Idempotent[R any](ctx context.Context, p *Policy, key string, args any, run func(context.Context) (R, error)) (R, error) {
	pc := p.Call()
	return idempotent(ctx, p, &pc, key, args, run, nil)
}

// IdempotentCall is Idempotent for the call pc describes, as generated
// decorators make it: run gets the PolicyContext of the call it makes (its
// own copy, since it may run on after the caller left), for Do; pc gets the
// key, and, once the call is settled, its attempts, or that a duplicate was
// answered from the record.
func IdempotentCall[R any](ctx context.Context, p *Policy, pc *PolicyContext, key string, args any, run func(context.Context, *PolicyContext) (R, error)) (R, error) {
	return idempotent(ctx, p, pc, key, args, nil, run)
}

// idempotent is Idempotent and IdempotentCall: one of plain and run is set
// (taking both spares Idempotent a closure per call).
func idempotent[R any](ctx context.Context, p *Policy, pc *PolicyContext, key string, args any, plain func(context.Context) (R, error), run func(context.Context, *PolicyContext) (R, error)) (R, error) {
	var zero R
	pc.key = key
	e := p.idem
	if e == nil {
		return zero, fmt.Errorf("baldur: policy %s has no idempotency key in its Spec", p.name)
	}
	r := idemRequest{key: key, ttl: p.idemTTL}
	if key != "" { // without a key there is nothing to compare
		shape := e.shapeOf(args)
		r.args = callArgs{val: args, byVal: shape.byVal}
		if !shape.byVal {
			canon, err := canonicalShaped(args, shape.times)
			if err != nil {
				return zero, &ArgumentsError{Policy: p.name, Err: err}
			}
			r.args.canon, r.args.ready = canon, true
		}
	}
	var (
		c   prepared
		res result
	)
	done := e.prepare(ctx, &r, &c, &res, slotsOf[R]{e})
	var (
		ran  bool // this caller's call ran: mine is its result
		mine R
	)
	if !done {
		// The call may run on after its caller left, so it gets a context
		// of its own rather than the caller's.
		var tc *typedCall[R]
		if c.flight != nil {
			tc = c.flight.run.(*typedCall[R])
		} else {
			tc = spareCall[R](e)
		}
		tc.plain, tc.fn, tc.policy, tc.pc = plain, run, p.name, pc.detachedFields(p, ctx)
		tc.plan = e.planFor(reflect.TypeFor[R]())
		tc.pc.key = key      // the parameter, not pc's copy of it: see PolicyContext
		if c.flight != nil { // claimed by prepare: only its runner is missing
			e.fly(c.flight)
			res = c.flight.result()
		} else {
			res = e.proceed(ctx, &r, c, tc, &tc.flight)
		}
		if res.settled && tc.ran { // only then is reading tc race-free
			ran, mine, pc.attempt = true, tc.out, tc.pc.attempt
		}
		recycle(e, tc, res.settled)
	}
	switch {
	case !res.settled:
		return zero, res.err
	case ran:
		return mine, res.err
	case res.err != nil && (res.val == nil || !methodRan(res.err)):
		// A duplicate that waited on a call that ran but was not recorded
		// gets its result, beside the same error.
		return zero, res.err
	}
	pc.answered, pc.attempt = true, 0
	if v, ok := res.memo.(R); ok { // kept only for a copyable R (see setMemo below)
		return v, nil
	}
	var out R
	if err := json.Unmarshal(res.val, &out); err != nil {
		return zero, fmt.Errorf("%w: stored result of %s: %v", ErrCodec, p.name, err)
	}
	if res.token != "" && copyable[R]() {
		e.mem.setMemo(res.key, res.token, out)
	}
	return out, res.err
}

// typedCall is the runner of Idempotent: it keeps run's own results for
// the caller that ran it and encodes them for the store. out and ran are
// written on the flight's goroutine and read by Idempotent only when the
// outcome is settled, that is after that goroutine published it.
type typedCall[R any] struct {
	plain  func(context.Context) (R, error) // Idempotent's run, or
	fn     func(context.Context, *PolicyContext) (R, error)
	policy string
	plan   *resultPlan   // of R
	pc     PolicyContext // the flight's, its attempts counted by Do
	out    R
	ran    bool
	flight flight // its flight, if it gets one: one allocation for both
}

func (t *typedCall[R]) run(ctx context.Context) ([]byte, error) {
	var r R
	var err error
	if t.plain != nil {
		r, err = t.plain(ctx)
	} else {
		r, err = t.fn(ctx, &t.pc)
	}
	t.out, t.ran = r, true
	if err != nil {
		return nil, err
	}
	b, err := encodeResult(r, t.plan)
	if err != nil {
		return nil, &resultCodecError{fmt.Errorf("%w: result of %s: %v", ErrCodec, t.policy, err)}
	}
	return b, nil
}

// TextKey is the idempotency key of an encoding.TextMarshaler.
func TextKey(m encoding.TextMarshaler) (string, error) {
	b, err := m.MarshalText()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return string(b), nil
}

// engine returns the idempotency engine of policy name, shared by every
// decorator of the runtime that uses the name. Called with rt.mu held.
func (rt *Runtime) engine(name, method string, c IdempotencyConfig) *idemEngine {
	if e, ok := rt.engines[name]; ok {
		return e
	}
	if rt.idemStore == nil {
		m := rt.config.memoryStore()
		rt.idemStore = NewMemoryStore(MemoryLimits{Records: m.MaxKeys.v, MaxBytes: int64(m.MaxBytes.v), MaxResultBytes: int64(m.MaxResultBytes.v)})
	}
	if rt.idemGuard == nil {
		rt.idemGuard = &storeGuard{clock: rt.clock}
	}
	cfg := idemConfig{idemSettings: settingsOf(c), clock: rt.clock, calls: rt.calls, permanent: IsPermanent}
	e := newIdemEngine(rt, name, method, rt.idemStore, rt.idemGuard, cfg)
	rt.engines[name] = e
	return e
}
