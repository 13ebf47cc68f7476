package baldur

import (
	"context"
	"errors"
	"runtime/debug"
)

// own runs the call on a key this flight has claimed with f.token, then
// records the outcome: a result or permanent failure is stored, anything
// else releases the key so that a retry runs again. A result that cannot
// be recorded is still the caller's, beside a *NotRecordedError.
func (e *idemEngine) own(f *flight) ([]byte, error) {
	if err := context.Cause(f.ctx); err != nil { // every caller left while we claimed
		return nil, errors.Join(err, e.release(f))
	}
	f.markRunning()
	hb := e.heartbeat(f)
	defer hb.stop() // also when run calls runtime.Goexit
	val, err, pe := call(f.ctx, f.run)
	lost := hb.stop()

	// f.fp is empty only for a claim a MemoryStore keeps the arguments of;
	// its update keeps them.
	done := IdempotencyRecord{Token: f.token, Fingerprint: f.fp}
	var unencodable *resultCodecError
	switch {
	case pe != nil:
		f.panicked = pe
		return nil, errors.Join(pe, e.release(f))
	case err == nil:
		done.State, done.Value = RecordCompleted, val
	case errors.As(err, &unencodable):
		// The method succeeded: a duplicate must not repeat it, so the
		// failure to encode its result is what the record keeps.
		done.State, done.Value = RecordFailed, []byte(err.Error())
	case e.cfg.isPermanent(err):
		done.State, done.Value = RecordFailed, []byte(err.Error())
	default:
		if rerr := e.release(f); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		if lost {
			return nil, errors.Join(err, ErrLeaseLost)
		}
		return nil, err
	}
	now := e.cfg.clock.Now()
	done.Expires = now.Add(f.ttl)
	uerr := e.complete(f, done, now)
	if errors.Is(uerr, ErrLeaseLost) && !lost {
		e.event(EventLeaseLost)
	}
	switch {
	case err == nil && uerr != nil:
		// The side effect happened but is not recorded: the caller gets
		// the result and learns it from the error; this process's
		// duplicates get the result too, while other processes see the key
		// in flight until the lease ends, and then run the call again.
		e.keepUnrecorded(f, val, done.Expires)
		return val, &NotRecordedError{Policy: e.policy, Err: uerr}
	case unencodable != nil:
		return nil, &NotRecordedError{Policy: e.policy, Err: errors.Join(err, uerr)}
	case uerr != nil:
		return nil, errors.Join(err, uerr)
	}
	return val, err
}

// resultCodecError: the call returned a result that could not be encoded
// for the store.
type resultCodecError struct{ err error }

func (e *resultCodecError) Error() string { return e.err.Error() }
func (e *resultCodecError) Unwrap() error { return e.err }

// call runs r, turning a panic into a *PanicError.
func call(ctx context.Context, r runner) (val []byte, err error, pe *PanicError) {
	normal := false
	defer func() {
		if !normal {
			if r := recover(); r != nil {
				pe = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}
	}()
	val, err = r.run(ctx)
	normal = true
	return val, err, nil
}

// heartbeat renews a lease every RenewEvery while the call runs, so a long
// call is not taken over while its owner lives. It runs on the engine's
// own clock.
type heartbeat struct {
	quit, exited chan struct{}
	lost         bool // written by the heartbeat's goroutine before exited closes
	stopped      bool
}

// heartbeat starts renewing f's lease, or returns nil when renewal is off
// or the store is local, where a claim already holds the key until the
// call ends.
func (e *idemEngine) heartbeat(f *flight) *heartbeat {
	if e.cfg.RenewEvery < 0 || e.local {
		return nil
	}
	hb := &heartbeat{quit: make(chan struct{}), exited: make(chan struct{})}
	rec := IdempotencyRecord{State: RecordInFlight, Token: f.token, Fingerprint: f.fp}
	go func() {
		defer close(hb.exited)
		for {
			t := e.cfg.clock.NewTimer(e.cfg.RenewEvery)
			select {
			case <-hb.quit:
				t.Stop()
				return
			case <-t.C():
			}
			now := e.cfg.clock.Now()
			rec.Expires = now.Add(e.cfg.Lease)
			// Another error is left to the next beat: two thirds of the
			// lease remain.
			err := e.update(f, "renew", rec, now)
			if err == nil {
				f.leaseEnd = rec.Expires // read once the heartbeat has stopped
			}
			if errors.Is(err, ErrLeaseLost) {
				e.event(EventLeaseLost)
				hb.lost = true
				f.cancel(ErrLeaseLost)
				return
			}
		}
	}()
	return hb
}

// stop ends the heartbeat, waits until no renewal is in progress (a late
// renewal must not overwrite the completed record), and reports whether
// the lease was lost; losing it cancelled the call, since another caller
// now owns the key. It may be called again, and on nil.
func (hb *heartbeat) stop() (lost bool) {
	if hb == nil {
		return false
	}
	if !hb.stopped {
		hb.stopped = true
		close(hb.quit)
		<-hb.exited
	}
	return hb.lost
}
