package baldur

import (
	"context"
	"errors"
	"time"
)

// An owner renews its lease every RenewEvery while its call runs, so a
// long call is not taken over while its owner lives. Calls are usually
// much shorter than that, so an engine keeps one timer, on its own clock,
// for all the calls it owns: armed while it owns any, firing every
// RenewEvery, and renewing then every call it owns. A local store is never
// renewed: its claims hold the key for as long as the call runs.

// renewing is the part of a flight the renewal of its lease uses; guarded
// by idemEngine.mu.
type renewing struct {
	prev, next *flight // in idemEngine.owned while the call runs
	busy       bool    // a renewal is in progress: it closes done when it returns
	done       chan struct{}
	late       chan struct{} // closed when the watchdog gave up on that renewal
	lost       bool          // a renewal found the key taken over
}

// renewed reports whether e renews its calls' leases.
func (e *idemEngine) renewed() bool { return !e.local && e.cfg.RenewEvery >= 0 }

// startRenewing adds f, whose call is about to run, to the calls e renews.
func (e *idemEngine) startRenewing(f *flight) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.renewal.prev, f.renewal.next = e.owned.renewal.prev, &e.owned
	f.renewal.prev.renewal.next, e.owned.renewal.prev = f, f
	if !e.renewArmed {
		e.armRenewal()
	}
}

// armRenewal sets the renewal timer. Called with e.mu held.
func (e *idemEngine) armRenewal() {
	e.renewGen++
	gen := e.renewGen
	e.renewTimer = e.cfg.clock.AfterFunc(e.cfg.RenewEvery, func() { e.renewAll(gen) })
	e.renewArmed = true
}

// stopRenewing takes f, whose call has returned, out of the calls e
// renews, waits for a renewal of it still in progress (one landing after
// the completing write would overwrite it) until it returns or the
// watchdog gives up on it, and reports whether the lease was lost.
func (e *idemEngine) stopRenewing(f *flight) (lost bool) {
	e.mu.Lock()
	f.ran = true
	r := &f.renewal
	if r.next != nil {
		r.prev.renewal.next, r.next.renewal.prev = r.next, r.prev
		r.prev, r.next = nil, nil
	}
	if e.renewArmed && e.owned.renewal.next == &e.owned {
		e.renewTimer.Stop()
		e.renewArmed = false
	}
	busy, done, late := r.busy, r.done, r.late
	e.mu.Unlock()
	if busy {
		select {
		case <-done:
		case <-late:
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return r.lost
}

// renewAll renews every call e owns, then sets the timer again for the
// calls it still owns; the timer of generation gen fired. It waits for
// the renewals, each on its own goroutine, until they return or the
// watchdog gives up on them, so that a store that hangs on one does not
// hold up the others.
func (e *idemEngine) renewAll(gen uint64) {
	e.mu.Lock()
	if gen != e.renewGen { // stopped, and armed again, since
		e.mu.Unlock()
		return
	}
	var due []*flight
	for f := e.owned.renewal.next; f != &e.owned; f = f.renewal.next {
		if !f.renewal.busy {
			f.renewal.busy, f.renewal.done, f.renewal.late = true, make(chan struct{}), make(chan struct{})
			due = append(due, f)
		}
	}
	e.mu.Unlock()
	for _, f := range due {
		go e.renew(f)
	}
	for _, f := range due {
		select {
		case <-f.renewal.done:
		case <-f.renewal.late:
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if gen != e.renewGen {
		return
	}
	e.renewArmed = false
	if e.owned.renewal.next != &e.owned {
		e.armRenewal()
	}
}

// renew extends f's lease by Lease from now. Another failure than
// ErrLeaseLost is left to the next renewal: two thirds of the lease
// remain.
func (e *idemEngine) renew(f *flight) {
	cctx, cancel := context.WithCancelCause(context.WithoutCancel(f.ctx))
	defer cancel(nil)
	ctx := &opCtx{Context: cctx, deadline: time.Now().Add(e.cfg.StoreTimeout)}
	now := e.now()
	rec := IdempotencyRecord{State: RecordInFlight, Token: f.token, Fingerprint: f.fp, Expires: now.Add(e.cfg.Lease)}
	// Not f.op: the call's owner may need that while this one is late.
	op := &watchedOp{name: "renew", cancel: cancel, f: f, late: f.renewal.late}
	e.watch(op)
	err := e.store.Update(ctx, f.key.id, rec, now)
	inTime := e.unwatch(op)
	if inTime {
		e.guard.record(err)
	}
	lost := errors.Is(err, ErrLeaseLost)
	if err != nil && !lost && inTime {
		e.storeFailed("renew", &StoreError{Op: "renew", Err: err})
	}
	e.mu.Lock()
	if err == nil && inTime {
		f.leaseEnd = rec.Expires
	}
	f.renewal.lost = f.renewal.lost || lost
	f.renewal.busy = false
	close(f.renewal.done)
	e.mu.Unlock()
	if lost {
		e.event(EventLeaseLost)
		f.stop(ErrLeaseLost) // another caller owns the key now
	}
}
