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
		rerr := e.releaseAfter(f, err)
		if rerr == errSettled {
			return nil, errSettled
		}
		return nil, errors.Join(err, rerr)
	}
	f.markRunning()
	renewed, stopped := e.renewed(), false
	if renewed {
		e.startRenewing(f)
		defer func() { // also when run calls runtime.Goexit
			if !stopped {
				e.stopRenewing(f)
			}
		}()
	}
	val, err, pe := call(f.ctx, f.run)
	lost := false
	switch {
	case renewed:
		lost, stopped = e.stopRenewing(f), true
	case !e.local:
		e.markRan(f)
	}

	// f.fp is empty only for a claim a MemoryStore keeps the arguments of;
	// its update keeps them.
	done := IdempotencyRecord{Token: f.token, Fingerprint: f.fp}
	switch {
	case pe != nil:
		f.panicked = pe
		rerr := e.releaseAfter(f, pe)
		if rerr == errSettled {
			return nil, errSettled
		}
		return nil, errors.Join(pe, rerr)
	case err == nil:
		done.State, done.Value = RecordCompleted, val
	case unencodable(err):
		// The method succeeded: a duplicate must not repeat it, so the
		// failure to encode its result is what the record keeps.
		done.State, done.Value = RecordFailed, []byte(err.Error())
	case e.cfg.isPermanent(err):
		done.State, done.Value = RecordFailed, []byte(err.Error())
	default:
		rerr := e.releaseAfter(f, err)
		switch {
		case rerr == errSettled:
			return nil, errSettled
		case rerr != nil:
			return nil, errors.Join(err, rerr)
		case lost:
			return nil, errors.Join(err, ErrLeaseLost)
		}
		return nil, err
	}
	now := e.now()
	done.Expires = now.Add(f.ttl)
	if !e.local { // for the watchdog, which watches only stores elsewhere
		f.pendingVal, f.pendingErr = val, err
	}
	var uerr error
	if e.mem != nil && err == nil {
		uerr = e.completeMem(f, &done, val)
	} else {
		uerr = e.complete(f, done, now)
	}
	if uerr == errSettled {
		return nil, errSettled
	}
	if errors.Is(uerr, ErrLeaseLost) && !lost {
		e.event(EventLeaseLost)
	}
	return e.afterWrite(f, val, err, uerr)
}

// completeMem is complete on a MemoryStore for a call that returned val:
// once the record is written, val is published to f's callers in the same
// critical section of the engine's, which settle would take again, and
// completeMem returns errSettled. A failed write is returned as complete's.
func (e *idemEngine) completeMem(f *flight, done *IdempotencyRecord, val []byte) error {
	s := e.mem
	e.mu.Lock()
	s.mu.Lock()
	err := s.updateEntry(s.claimed(f.ent, f.key, done.Token), *done, true)
	s.mu.Unlock()
	if err != nil || f.finished {
		e.mu.Unlock()
		return e.storeErr("complete", err)
	}
	p := e.publishLocked(f, val, nil)
	e.mu.Unlock()
	e.published(f, p)
	return errSettled
}

// afterWrite is what the callers of f get once the record of its call was
// written, or failed to be with werr: the call returned val and err.
func (e *idemEngine) afterWrite(f *flight, val []byte, err, werr error) ([]byte, error) {
	switch {
	case unencodable(err):
		return nil, &NotRecordedError{Policy: e.policy, Err: errors.Join(err, werr)}
	case werr == nil:
		return val, err
	case err == nil:
		// The side effect happened but is not recorded: the caller gets
		// the result and learns it from the error; this process's
		// duplicates get the result too, while other processes see the key
		// in flight until the lease ends, and then run the call again.
		e.keepUnrecorded(f, val, f.ttl)
		return val, &NotRecordedError{Policy: e.policy, Err: werr}
	}
	return nil, errors.Join(err, werr)
}

// resultCodecError: the call returned a result that could not be encoded
// for the store.
type resultCodecError struct{ err error }

func (e *resultCodecError) Error() string { return e.err.Error() }
func (e *resultCodecError) Unwrap() error { return e.err }

// unencodable reports whether err is a *resultCodecError. Its target
// escapes to the heap, so a call that succeeded never gets this far.
func unencodable(err error) bool {
	if err == nil {
		return false
	}
	var u *resultCodecError
	return errors.As(err, &u)
}

// markRan says f's call has returned: callers that leave now do not cancel
// its context, which writes the outcome.
func (e *idemEngine) markRan(f *flight) {
	e.mu.Lock()
	f.ran = true
	e.mu.Unlock()
}

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
