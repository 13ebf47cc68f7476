package baldur

import (
	"context"
	"encoding"
	"errors"
	"fmt"

	"github.com/baldur-go/baldur/runtime/idempotency"
)

// Idempotency errors, from package idempotency. Nothing ran when a call
// gets one of the first five.
var (
	ErrKeyReused     = idempotency.ErrKeyReused
	ErrInFlight      = idempotency.ErrInFlight
	ErrMissingKey    = idempotency.ErrMissingKey
	ErrMissingTenant = idempotency.ErrMissingTenant
	ErrInvalidKey    = idempotency.ErrInvalidKey
	// ErrIdempotencyStore matches every failure of the idempotency store.
	ErrIdempotencyStore = idempotency.ErrStore
	ErrLeaseLost        = idempotency.ErrLeaseLost
)

// IdempotencyStore keeps idempotency records; see package idempotency for
// the contract, and runtime/store/redisstore and runtime/store/pgstore for
// stores shared by replicas.
type IdempotencyStore = idempotency.Store

// WithIdempotencyStore keeps idempotency records in s instead of the
// bounded in-memory store every Runtime has by default.
func WithIdempotencyStore(s IdempotencyStore) Option {
	return func(rt *Runtime) error {
		if s == nil {
			return errors.New("baldur: WithIdempotencyStore: nil store")
		}
		rt.idemStore = s
		return nil
	}
}

// WithTenant scopes idempotency keys to tenant: the same key in two
// tenants is two operations.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return idempotency.WithTenant(ctx, tenant)
}

// callerErrors are mistakes of the caller: nothing ran, and a fallback's
// stand-in answer would hide them.
var callerErrors = []error{ErrKeyReused, ErrInFlight, ErrMissingKey, ErrMissingTenant, ErrInvalidKey}

// Idempotent runs run at most once per key while the key's record lives
// and hands every duplicate the first call's results; generated decorators
// call it for methods annotated with idempotency_key. args are the other
// arguments, fingerprinted to detect a key reused with different ones; R
// holds the results, stored as JSON for duplicates in other processes.
//
// run executes on a goroutine of the runtime, on a context that keeps the
// caller's values and ends only when every local caller waiting for it has
// given up; it returns its results rather than writing the caller's
// variables. Failures are not stored (a retry runs again) unless marked
// with Permanent.
func Idempotent[R any](ctx context.Context, p *Policy, key string, args any, run func(context.Context) (R, error)) (R, error) {
	if p.idem == nil {
		var zero R
		return zero, fmt.Errorf("baldur: policy %s has no idempotency key in its Spec", p.name)
	}
	return idempotency.Do(ctx, p.idem, idempotency.Call{Policy: p.name, Key: key, Args: args, TTL: p.idemTTL}, run)
}

// TextKey is the idempotency key of an encoding.TextMarshaler.
func TextKey(m encoding.TextMarshaler) (string, error) {
	b, err := m.MarshalText()
	if err != nil {
		return "", fmt.Errorf("baldur: idempotency key: %w", err)
	}
	return string(b), nil
}

// engine returns the idempotency engine of policy name, shared by every
// decorator of the runtime that uses the name. Called with rt.mu held.
func (rt *Runtime) engine(name string, c IdempotencyConfig) (*idempotency.Engine, error) {
	if e, ok := rt.engines[name]; ok {
		return e, nil
	}
	if rt.idemStore == nil {
		rt.idemStore = idempotency.NewMemoryStore(rt.config.memoryStore().MaxKeys.v)
	}
	wait := c.InFlight.v.MaxWait()
	if c.InFlight.v.Fails() {
		wait = idempotency.NoWait
	}
	cfg := idempotency.Config{
		Namespace:     c.Namespace.v,
		TTL:           c.TTL.v,
		Lease:         c.Lease.v,
		InFlightWait:  wait,
		MissingKey:    idempotency.MissingKeyMode(c.MissingKey.v),
		RequireTenant: c.RequireTenant.v,
		StoreTimeout:  c.StoreTimeout.v,
		IsPermanent:   IsPermanent,
		Clock:         idempotency.ClockOf(rt.clock),
	}
	if rt.callEvents {
		cfg.OnEvent = func(e idempotency.Event) { rt.idempotencyEvent(name, e) }
	}
	e, err := idempotency.New(rt.idemStore, cfg)
	if err != nil {
		return nil, err
	}
	rt.engines[name] = e
	return e, nil
}

func (rt *Runtime) idempotencyEvent(policy string, e idempotency.Event) {
	var kind EventKind
	switch e.Kind {
	case idempotency.EventHit, idempotency.EventJoin:
		kind = EventDuplicate
	case idempotency.EventKeyReused:
		kind = EventKeyReused
	case idempotency.EventLeaseLost:
		kind = EventLeaseLost
	default:
		return
	}
	rt.emit(context.Background(), Event{Kind: kind, Policy: policy})
}
