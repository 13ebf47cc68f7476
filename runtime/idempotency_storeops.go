package baldur

import (
	"context"
	"crypto/rand"
	"errors"
	"time"
)

// The completing write is retried with this backoff, doubling, within the
// store timeout and the lease.
const (
	completeBackoffMin = 10 * time.Millisecond
	completeBackoffMax = 200 * time.Millisecond
)

// Store calls, each bounded by the store timeout and turned into a
// *StoreError; ErrLeaseLost passes through, since it is an answer, not a
// failure. Writes made after the call ran (complete, renew, release) use a
// context detached from the callers', so the outcome is recorded even when
// every caller has left. A local store gets no timeout, and a MemoryStore
// is written without copies.

func (e *idemEngine) storeErr(name string, err error) error {
	if err == nil || errors.Is(err, ErrLeaseLost) {
		return err
	}
	return &StoreError{Op: name, Err: err}
}

// opContext bounds one store operation.
func (e *idemEngine) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.local {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, e.cfg.StoreTimeout)
}

// newToken returns a fresh claim token.
func (e *idemEngine) newToken() string {
	if e.local {
		return localToken()
	}
	return rand.Text()
}

func (e *idemEngine) claim(f *flight, rec IdempotencyRecord, now time.Time) (IdempotencyRecord, bool, error) {
	ctx, cancel := e.opContext(f.ctx)
	defer cancel()
	cur, claimed, err := e.store.Claim(ctx, f.key, rec, now)
	return cur, claimed, e.storeErr("claim", err)
}

func (e *idemEngine) get(f *flight) (IdempotencyRecord, bool, error) {
	ctx, cancel := e.opContext(f.ctx)
	defer cancel()
	rec, ok, err := e.store.Get(ctx, f.key)
	return rec, ok, e.storeErr("get", err)
}

// update writes rec, whose Value nobody writes, over f's record.
func (e *idemEngine) update(f *flight, name string, rec IdempotencyRecord, now time.Time) error {
	if e.mem != nil {
		return e.storeErr(name, e.mem.update(f.key, rec, true))
	}
	ctx, cancel := e.opContext(context.WithoutCancel(f.ctx))
	defer cancel()
	return e.storeErr(name, e.store.Update(ctx, f.key, rec, now))
}

func (e *idemEngine) release(f *flight) error {
	ctx, cancel := e.opContext(context.WithoutCancel(f.ctx))
	defer cancel()
	return e.storeErr("release", e.store.Release(ctx, f.key, f.token))
}

// complete writes done, a finished record, over f's. The method has run by
// then, so a store that fails is tried again, with backoff, while the
// store timeout (counted from the first attempt) and the lease last; each
// attempt is bounded by what is left. A local store is written once: it
// fails only as the contract says.
func (e *idemEngine) complete(f *flight, done IdempotencyRecord, now time.Time) error {
	if e.local {
		return e.update(f, "complete", done, now)
	}
	deadline := time.Now().Add(e.cfg.StoreTimeout)
	ctx := context.WithoutCancel(f.ctx)
	backoff := completeBackoffMin
	for {
		actx, cancel := context.WithDeadline(ctx, deadline)
		err := e.store.Update(actx, f.key, done, now)
		cancel()
		if err == nil || errors.Is(err, ErrLeaseLost) {
			return err
		}
		now = e.cfg.clock.Now()
		if time.Until(deadline) <= backoff || !now.Add(backoff).Before(f.leaseEnd) {
			return e.storeErr("complete", err)
		}
		t := time.NewTimer(backoff)
		<-t.C
		backoff = min(2*backoff, completeBackoffMax)
	}
}
