package idempotency

import (
	"context"
	"errors"
	"runtime/debug"
)

// own runs the call on a key this flight has claimed, then records the
// outcome: a result or permanent failure is stored, anything else releases
// the key so that a retry runs again.
func (e *Engine) own(f *flight, mine Record, run func(context.Context) ([]byte, error)) ([]byte, error) {
	f.token = mine.Token
	if err := context.Cause(f.ctx); err != nil { // every caller left while we claimed
		return nil, errors.Join(err, e.release(f))
	}
	f.markRunning()
	e.emit(EventRun, f)
	stop := e.heartbeat(f, mine)
	lost, stopped := false, false
	stopOnce := func() {
		if !stopped {
			stopped, lost = true, stop()
		}
	}
	defer stopOnce() // also when run calls runtime.Goexit
	val, err, pe := call(f.ctx, run)
	stopOnce()

	done := Record{Token: mine.Token, Fingerprint: f.fp}
	switch {
	case pe != nil:
		f.panicked = pe
		return nil, errors.Join(pe, e.release(f))
	case err == nil:
		done.State, done.Value = StateCompleted, val
	case e.cfg.permanent(err):
		done.State, done.Value = StateFailed, []byte(err.Error())
	default:
		if rerr := e.release(f); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		e.emit(EventReleased, f)
		if lost {
			return nil, errors.Join(err, ErrLeaseLost)
		}
		return nil, err
	}
	done.Expires = f.expiry(e.cfg.Clock.Now())
	// If this fails, the side effect happened but is not recorded: the
	// caller learns it from the error, and the key stays in flight until
	// the lease ends, when a duplicate runs the call again.
	if uerr := e.update(f, "complete", done); uerr != nil {
		if errors.Is(uerr, ErrLeaseLost) && !lost {
			e.emit(EventLeaseLost, f)
		}
		return nil, errors.Join(err, uerr)
	}
	return val, err
}

// call runs run, turning a panic into a *PanicError.
func call(ctx context.Context, run func(context.Context) ([]byte, error)) (val []byte, err error, pe *PanicError) {
	normal := false
	defer func() {
		if !normal {
			if r := recover(); r != nil {
				pe = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}
	}()
	val, err = run(ctx)
	normal = true
	return val, err, nil
}

// heartbeat renews the lease every RenewEvery while the call runs, so a
// long call is not taken over while its owner lives. stop ends it, waits
// until no renewal is in progress (a late renewal must not overwrite the
// completed record), and reports whether the lease was lost; losing it
// cancels the call, since another caller now owns the key.
func (e *Engine) heartbeat(f *flight, rec Record) (stop func() (lost bool)) {
	if e.cfg.RenewEvery < 0 {
		return func() bool { return false }
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	lost := false
	go func() {
		defer close(exited)
		for {
			t := e.cfg.Clock.NewTimer(e.cfg.RenewEvery)
			select {
			case <-quit:
				t.Stop()
				return
			case <-t.C():
			}
			rec.Expires = e.cfg.Clock.Now().Add(e.cfg.Lease)
			// Another error is left to the next beat: two thirds of the
			// lease remain.
			if errors.Is(e.update(f, "renew", rec), ErrLeaseLost) {
				e.emit(EventLeaseLost, f)
				lost = true
				f.cancel(ErrLeaseLost)
				return
			}
		}
	}()
	return func() bool {
		close(quit)
		<-exited
		return lost
	}
}
