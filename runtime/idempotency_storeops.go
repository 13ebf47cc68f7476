package baldur

import (
	"context"
	"crypto/rand"
	"errors"
	"time"
)

// Store calls. A failure becomes a *StoreError, which the store's guard
// counts and the engine logs; ErrLeaseLost passes through, since it is an
// answer, not a failure. On a store elsewhere every operation is watched
// (see opWatch) and runs on the flight's context, which the watchdog
// cancels when it gives up; the writes made after the call ran (complete,
// release) get a fresh context if every caller has left by then, so the
// outcome is recorded all the same. A local store is called without any
// of this, and a MemoryStore is written without copies.

// The completing write is retried with this backoff, doubling, within the
// store timeout and the lease.
const (
	completeBackoffMin = 10 * time.Millisecond
	completeBackoffMax = 200 * time.Millisecond
)

func (e *idemEngine) storeErr(name string, err error) error {
	if err == nil || errors.Is(err, ErrLeaseLost) {
		return err
	}
	return &StoreError{Op: name, Err: err}
}

// failed counts and logs err, the outcome of store operation name, and
// returns it as a *StoreError.
func (e *idemEngine) failed(name string, err error) error {
	e.guard.record(err)
	err = e.storeErr(name, err)
	var se *StoreError
	if errors.As(err, &se) {
		e.storeFailed(name, err)
	}
	return err
}

// unavailable is the error of an operation the store's guard refused.
func (e *idemEngine) unavailable(name string) error {
	err := &StoreError{Op: name, Err: errStoreUnavailable}
	e.storeFailed(name, err)
	return err
}

// newToken returns a fresh claim token.
func (e *idemEngine) newToken() string {
	if e.local {
		return localToken()
	}
	return rand.Text()
}

// begin starts f's store operation name on a store elsewhere, watched, and
// returns its context. An inline flight's operation is not watched: the
// store bounds it by its context's deadline, which is a real one then.
func (e *idemEngine) begin(f *flight, name string) context.Context {
	ctx := f.ctx
	if (name == "complete" || name == "release") && ctx.Err() != nil {
		ctx = context.WithoutCancel(f.ctx) // the outcome is recorded all the same
	}
	if f.inline {
		ctx, stop := context.WithTimeout(ctx, e.cfg.StoreTimeout)
		f.op = watchedOp{name: name, stop: stop}
		return ctx
	}
	ctx, cancel := ctx, f.cancel
	if ctx != f.ctx {
		ctx, cancel = context.WithCancelCause(ctx)
	}
	f.op = watchedOp{name: name, cancel: cancel, f: f}
	f.opctx = opCtx{Context: ctx, deadline: time.Now().Add(e.cfg.StoreTimeout)}
	e.watch(&f.op)
	return &f.opctx
}

// opCtx is the context of a store operation: its flight's, with the store
// timeout as its deadline, so that a store that bounds its I/O by the
// context's deadline does so too. The watchdog cancels the flight's
// context when the deadline has passed; opCtx then reports
// context.DeadlineExceeded.
type opCtx struct {
	context.Context
	deadline time.Time
}

func (c *opCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *opCtx) Err() error {
	err := c.Context.Err()
	if err != nil && errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// end stops watching f's store operation and reports whether it ended in
// time; if not, its flight's outcome is published already.
func (e *idemEngine) end(f *flight) bool {
	if f.op.stop != nil {
		f.op.stop()
		return true
	}
	return e.unwatch(&f.op)
}

func (e *idemEngine) claim(f *flight, rec IdempotencyRecord, now time.Time) (cur IdempotencyRecord, claimed bool, err error, inTime bool) {
	switch {
	case e.mem != nil:
		cur, claimed, err = e.mem.claimFor(f.key, rec, now)
		return cur, claimed, e.storeErr("claim", err), true
	case e.local:
		cur, claimed, err = e.store.Claim(f.ctx, f.key.id, rec, now)
		return cur, claimed, e.storeErr("claim", err), true
	}
	ctx := e.begin(f, "claim")
	cur, claimed, err = e.store.Claim(ctx, f.key.id, rec, now)
	if !e.end(f) {
		return cur, claimed, err, false
	}
	return cur, claimed, e.failed("claim", err), true
}

func (e *idemEngine) get(f *flight) (rec IdempotencyRecord, ok bool, err error, inTime bool) {
	switch {
	case e.mem != nil:
		rec, ok = e.mem.getShared(f.key)
		return rec, ok, nil, true
	case e.local:
		rec, ok, err = e.store.Get(f.ctx, f.key.id)
		return rec, ok, e.storeErr("get", err), true
	}
	ctx := e.begin(f, "get")
	rec, ok, err = e.store.Get(ctx, f.key.id)
	if !e.end(f) {
		return rec, ok, err, false
	}
	return rec, ok, e.failed("get", err), true
}

// update writes rec, whose Value nobody writes, over f's record on a local
// store.
func (e *idemEngine) update(f *flight, name string, rec IdempotencyRecord, now time.Time) error {
	if e.mem != nil {
		return e.storeErr(name, e.mem.update(f.ent, f.key, rec, true))
	}
	return e.storeErr(name, e.store.Update(context.WithoutCancel(f.ctx), f.key.id, rec, now))
}

// releaseAfter frees f's key after its call failed with why (or never ran);
// errSettled means the watchdog published the outcome, why joined with
// the store timeout.
func (e *idemEngine) releaseAfter(f *flight, why error) error {
	switch {
	case e.mem != nil:
		return e.storeErr("release", e.mem.release(f.ent, f.key, f.token))
	case e.local:
		return e.storeErr("release", e.store.Release(context.WithoutCancel(f.ctx), f.key.id, f.token))
	}
	f.pendingErr = why
	ctx := e.begin(f, "release")
	err := e.store.Release(ctx, f.key.id, f.token)
	if !e.end(f) {
		return errSettled
	}
	return e.failed("release", err)
}

// complete writes done, a finished record, over f's. The method has run by
// then, so a store that fails is tried again, with backoff, while the
// store timeout (the watchdog's, for the whole write) and the lease last.
// A local store is written once: it fails only as the contract says.
func (e *idemEngine) complete(f *flight, done IdempotencyRecord, now time.Time) error {
	if e.local {
		return e.update(f, "complete", done, now)
	}
	ctx := e.begin(f, "complete")
	backoff := completeBackoffMin
	var failedAt time.Time
	for {
		err := e.store.Update(ctx, f.key.id, done, now)
		if err != nil && failedAt.IsZero() {
			failedAt = time.Now()
		}
		// Retries stop short of the watchdog, so that the caller learns
		// the store's own error.
		if err != nil && !errors.Is(err, ErrLeaseLost) && ctx.Err() == nil {
			now = e.now()
			if time.Since(failedAt)+backoff < e.cfg.StoreTimeout*3/4 && now.Add(backoff).Before(f.leaseEnd) {
				t := time.NewTimer(backoff)
				select {
				case <-t.C:
				case <-ctx.Done(): // the watchdog gave up
					t.Stop()
				}
				backoff = min(2*backoff, completeBackoffMax)
				continue
			}
		}
		if !e.end(f) {
			return errSettled
		}
		return e.failed("complete", err)
	}
}

// releaseOrphan frees what a claim of f that failed, or answered after the
// watchdog had given up on it, may have written: it was written with token
// f.orphan, which nothing else holds. It is best-effort, once f's outcome
// is published. A claim that was given up on may still be on its way (a
// client that gave up on a query does not recall it), so while the store
// fails the release is tried again, with backoff, until the claim's lease
// would have ended; a claim that lands after a release found nothing
// blocks its key until then.
func (e *idemEngine) releaseOrphan(f *flight) {
	deadline := time.Now().Add(e.cfg.Lease)
	backoff := completeBackoffMin
	for {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(f.ctx), e.cfg.StoreTimeout)
		err := e.store.Release(ctx, f.key.id, f.orphan)
		cancel()
		if err == nil || errors.Is(err, ErrLeaseLost) || !f.orphanLate || time.Now().Add(backoff).After(deadline) {
			return
		}
		t := time.NewTimer(backoff)
		<-t.C
		backoff = min(2*backoff, time.Second)
	}
}
