package idempotency

import (
	"context"
	"errors"
	"time"
)

// Store calls, each bounded by Config.StoreTimeout and turned into a
// *StoreError; ErrLeaseLost passes through, since it is an answer, not a
// failure. Writes made after the call ran (complete, renew, release) use a
// context detached from the callers', so the outcome is recorded even when
// every caller has left.

func (e *Engine) op(ctx context.Context, name string, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.StoreTimeout)
	defer cancel()
	err := fn(ctx)
	if err == nil || errors.Is(err, ErrLeaseLost) {
		return err
	}
	return &StoreError{Op: name, Err: err}
}

func (e *Engine) claim(f *flight, rec Record, now time.Time) (cur Record, claimed bool, err error) {
	err = e.op(f.ctx, "claim", func(ctx context.Context) error {
		var err error
		cur, claimed, err = e.store.Claim(ctx, f.key, rec, now)
		return err
	})
	return cur, claimed, err
}

func (e *Engine) get(f *flight) (rec Record, ok bool, err error) {
	err = e.op(f.ctx, "get", func(ctx context.Context) error {
		var err error
		rec, ok, err = e.store.Get(ctx, f.key)
		return err
	})
	return rec, ok, err
}

func (e *Engine) update(f *flight, name string, rec Record) error {
	return e.op(context.WithoutCancel(f.ctx), name, func(ctx context.Context) error {
		return e.store.Update(ctx, f.key, rec, e.cfg.Clock.Now())
	})
}

func (e *Engine) release(f *flight) error {
	return e.op(context.WithoutCancel(f.ctx), "release", func(ctx context.Context) error {
		return e.store.Release(ctx, f.key, f.token)
	})
}
