package idempotency

import (
	"fmt"
)

// fly runs f to its outcome and publishes it. It is the flight's goroutine.
func (e *Engine) fly(f *flight) {
	finished := false
	defer func() {
		if !finished { // run called runtime.Goexit: free the key, tell the callers
			if f.token != "" {
				_ = e.release(f)
			}
			f.val, f.err = nil, errGoexit
			e.finish(f)
		}
	}()
	if f.token != "" { // claimed by its first caller
		f.val, f.err = e.own(f)
	} else {
		f.val, f.err = e.resolve(f)
	}
	finished = true
	e.finish(f)
}

// resolve claims the key and runs the call, or finds its outcome in the
// store, waiting while another process holds it.
func (e *Engine) resolve(f *flight) ([]byte, error) {
	disagreements := 0
	for {
		now := e.cfg.Clock.Now()
		mine := Record{State: StateInFlight, Token: e.newToken(), Fingerprint: f.fingerprint(), Expires: e.leaseEnd(now)}
		cur, claimed, err := e.claim(f, mine, now)
		if err != nil {
			return nil, err
		}
		if claimed {
			f.token = mine.Token
			return e.own(f)
		}
		if !cur.Live(now) {
			// The store refused the claim yet shows a free key.
			disagreements++
			if disagreements >= e.cfg.MaxClaimAttempts {
				return nil, fmt.Errorf("%w: %d claims refused without a live record", ErrInconsistentState, disagreements)
			}
			continue
		}
		val, err, free := e.wait(f, cur)
		if !free {
			return val, err
		}
		disagreements = 0 // the key was freed while we watched it: claim again
	}
}

// wait reads the outcome out of a live record, polling while it is in
// flight elsewhere. free means the record went away or its lease ended, so
// the caller should claim the key.
func (e *Engine) wait(f *flight, cur Record) (val []byte, err error, free bool) {
	backoff := e.cfg.PollMin
	for {
		if cur.Fingerprint != f.fingerprint() {
			f.emit(e, EventKeyReused)
			return nil, ErrKeyReused, false
		}
		switch cur.State {
		case StateCompleted:
			f.emit(e, EventHit)
			return cur.Value, nil, false
		case StateFailed:
			f.emit(e, EventHit)
			return nil, &StoredError{Message: string(cur.Value)}, false
		case StateInFlight:
		default:
			return nil, fmt.Errorf("%w: record in state %v", ErrInconsistentState, cur.State), false
		}
		if !f.remoteSeen {
			f.markRemote()
			f.emit(e, EventWaitRemote)
		}
		// Poll with capped backoff, but look again right when the lease ends,
		// since a dead owner's key is ours to take over then.
		d := min(backoff, cur.Expires.Sub(e.cfg.Clock.Now()))
		backoff = min(2*backoff, e.cfg.PollMax)
		if err := sleep(f.ctx, e.cfg.Clock, d); err != nil {
			return nil, err, false
		}
		rec, ok, err := e.get(f)
		if err != nil {
			return nil, err, false
		}
		if !ok || !rec.Live(e.cfg.Clock.Now()) {
			return nil, nil, true
		}
		cur = rec
	}
}
