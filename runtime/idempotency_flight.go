package baldur

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// runner is the call a flight makes: Idempotent's typed call, which
// encodes its result, or in tests a function of bytes.
type runner interface {
	run(ctx context.Context) ([]byte, error)
}

// runFunc is a run of bytes. Its result is copied: the caller's function
// may keep writing the slice it returned, and the engine hands the bytes
// to the store and to duplicates without copying them again.
type runFunc func(context.Context) ([]byte, error)

func (f runFunc) run(ctx context.Context) ([]byte, error) {
	val, err := f(ctx)
	return bytes.Clone(val), err
}

// flight is the one local call working on a store key. Every local caller
// with that key waits on it, so a process talks to the store once per key
// however many duplicates it has.
type flight struct {
	key  recKey
	args callArgs // the other arguments
	fp   string   // their fingerprint, computed when needed by fingerprint
	ttl  time.Duration
	run  runner

	// ctx carries the first caller's values without its cancellation;
	// cancel fires when the last waiting caller leaves (before the call
	// returned), the lease is lost, or the watchdog gives up on a store
	// operation.
	ctx    context.Context
	cancel context.CancelCauseFunc

	refs     int  // callers waiting; guarded by idemEngine.mu
	finished bool // the outcome is published; guarded by idemEngine.mu
	timedOut bool // a caller left at its deadline; guarded by idemEngine.mu
	ran      bool // the call returned (a store elsewhere); guarded by idemEngine.mu
	listed   bool // in idemEngine.flights; guarded by idemEngine.mu
	joined   bool // a duplicate joined it; guarded by idemEngine.mu
	inline   bool // runs on its first caller's goroutine (see proceed)

	// busy and remote are closed when the call runs or waits, and when it
	// waits on another process; they exist only when the in-flight mode
	// makes callers watch them. running and remoteSeen are their flags,
	// written by the flight's goroutine alone.
	busy, remote        chan struct{}
	running, remoteSeen bool

	done     chan struct{} // guarded by idemEngine.mu while nil (see newFlight)
	val      []byte        // read-only once published: callers copy it or decode it
	err      error
	panicked *PanicError
	token    string    // set once the flight owns the key
	ent      *memEntry // the MemoryStore's entry of its claim, if known
	// leaseEnd is when the claim ends unless renewed.
	leaseEnd time.Time

	// On a store elsewhere: the flight's store operation in progress, the
	// call's outcome while it is being written (for the watchdog to
	// publish if the store does not answer), a token that a failed or late
	// claim may have written (released once the outcome is out), and the
	// renewal of its lease.
	op         watchedOp
	opctx      opCtx
	pendingVal []byte
	pendingErr error
	orphan     string
	orphanLate bool // the claim was given up on: it may still land
	renewal    renewing
}

// newFlight makes f, when not nil, the flight of key. A flight of a
// local store that runs on its caller's goroutine (inline), whose context
// cannot be cancelled, has nothing to cancel and no caller to leave before
// it ends: it takes that context as it is, and a done channel only once a
// duplicate joins it (see joinLocked).
func newFlight(f *flight, ctx context.Context, key recKey, args callArgs, ttl time.Duration, run runner, watched, inline, local bool) *flight {
	if f == nil {
		f = new(flight) // a slot is zero too (see recycle)
	}
	f.key, f.args, f.ttl, f.run, f.refs, f.inline = key, args, ttl, run, 1, inline
	if inline && local {
		f.ctx = ctx
	} else {
		f.ctx, f.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
		f.done = make(chan struct{})
	}
	if watched {
		f.busy, f.remote = make(chan struct{}), make(chan struct{})
	}
	return f
}

// stop cancels f's context with cause, if it has one of its own.
func (f *flight) stop(cause error) {
	if f.cancel != nil {
		f.cancel(cause)
	}
}

// fingerprint is the fingerprint of f.args. Only the flight's goroutine
// calls it once the flight is published.
func (f *flight) fingerprint() string {
	if f.fp == "" {
		f.fp = fingerprint(f.args.bytes())
	}
	return f.fp
}

// markRunning says the inner call has started here.
func (f *flight) markRunning() {
	if !f.running {
		f.running = true
		if f.busy != nil {
			close(f.busy)
		}
	}
}

// markRemote says another process holds the key.
func (f *flight) markRemote() {
	f.markRunning()
	if !f.remoteSeen {
		f.remoteSeen = true
		if f.remote != nil {
			close(f.remote)
		}
	}
}

// outcome is the published result; val is shared.
func (f *flight) outcome() ([]byte, error) {
	if f.panicked != nil {
		panic(f.panicked)
	}
	return f.val, f.err
}

// errSettled: the watchdog published the flight's outcome while one of its
// store operations did not answer; the flight's goroutine only cleans up.
var errSettled = errors.New("baldur: idempotency: outcome published by the watchdog")

// fly runs f to its outcome and publishes it. It is the flight's goroutine.
func (e *idemEngine) fly(f *flight) {
	finished := false
	defer func() {
		if !finished { // run called runtime.Goexit: free the key, tell the callers
			if f.token != "" {
				_ = e.releaseAfter(f, errGoexit)
			}
			e.settle(f, nil, errGoexit)
		}
	}()
	var (
		val []byte
		err error
	)
	if f.token != "" { // claimed by its first caller
		val, err = e.own(f)
	} else {
		val, err = e.resolve(f)
	}
	finished = true
	// Only a store elsewhere leaves orphans; on a local store f may be its
	// caller's alone once published (see recycle), so it is not read.
	orphan := !e.local && f.orphan != ""
	if err != errSettled {
		e.settle(f, val, err)
	}
	if orphan {
		if f.inline { // not on the caller's time
			go e.releaseOrphan(f)
		} else {
			e.releaseOrphan(f)
		}
	}
}

// settle publishes f's outcome, unless it is published already. A panic
// that no caller waits for any more is reported instead, so that it does
// not vanish.
func (e *idemEngine) settle(f *flight, val []byte, err error) {
	e.mu.Lock()
	if f.finished {
		e.mu.Unlock()
		return
	}
	p := e.publishLocked(f, val, err)
	e.mu.Unlock()
	e.published(f, p)
}

// publication is what settle does once the engine's lock is released.
type publication struct {
	done     chan struct{} // nil: an inline flight nobody joined
	panicked *PanicError   // that no caller waits for
}

// publishLocked is settle's work under e.mu: f's outcome is val and err.
func (e *idemEngine) publishLocked(f *flight, val []byte, err error) publication {
	f.finished = true
	f.val, f.err = val, err
	e.unlist(f)
	p := publication{done: f.done}
	if f.panicked != nil && f.refs == 0 {
		p.panicked = f.panicked
	}
	return p
}

// published ends f's context and tells its callers, after publishLocked.
func (e *idemEngine) published(f *flight, p publication) {
	f.stop(context.Canceled)
	if p.done != nil {
		close(p.done) // f's last use here (see recycle)
	}
	if p.panicked != nil {
		e.rt.emit(context.Background(), Event{Kind: EventLostPanic, Policy: e.policy, Method: e.method, Err: p.panicked})
	}
}

// resolve claims the key and runs the call, or finds its outcome in the
// store, waiting while another process holds it.
func (e *idemEngine) resolve(f *flight) ([]byte, error) {
	disagreements := 0
	for first := true; ; first = false {
		if !first && !e.local && !e.guard.allow() { // execute asked for the first claim
			return nil, e.unavailable("claim")
		}
		now := e.now()
		mine := IdempotencyRecord{State: RecordInFlight, Token: e.newToken(), Fingerprint: f.fingerprint(), Expires: e.leaseEnd(now)}
		cur, claimed, err, inTime := e.claim(f, mine, now)
		if !inTime || err != nil {
			if !e.local && (claimed || err != nil) {
				f.orphan = mine.Token // it may have been written
				f.orphanLate = err != nil && (!inTime || timedOut(err))
			}
			if !inTime {
				return nil, errSettled
			}
			return nil, err
		}
		if claimed {
			f.token, f.leaseEnd = mine.Token, mine.Expires
			return e.own(f)
		}
		if !cur.Live(now) {
			// The store refused the claim yet shows a free key.
			disagreements++
			if disagreements >= e.cfg.MaxClaimAttempts {
				return nil, &StoreError{Op: "claim", Err: fmt.Errorf("%w: %d claims refused without a live record", errInconsistentState, disagreements)}
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
func (e *idemEngine) wait(f *flight, cur IdempotencyRecord) (val []byte, err error, free bool) {
	backoff := e.cfg.PollMin
	for {
		if cur.Fingerprint != f.fingerprint() {
			e.event(EventKeyReused)
			return nil, ErrKeyReused, false
		}
		switch cur.State {
		case RecordCompleted:
			e.event(EventDuplicate)
			return cur.Value, nil, false
		case RecordFailed:
			e.event(EventDuplicate)
			return nil, &StoredError{Message: string(cur.Value)}, false
		case RecordInFlight:
		default:
			return nil, &StoreError{Op: "get", Err: fmt.Errorf("%w: record in state %v", errInconsistentState, cur.State)}, false
		}
		if !f.remoteSeen {
			f.markRemote()
		}
		// Poll with capped backoff, but look again right when the lease ends,
		// since a dead owner's key is ours to take over then.
		d := min(backoff, cur.Expires.Sub(e.now()))
		backoff = min(2*backoff, e.cfg.PollMax)
		if err := sleepOn(f.ctx, e.cfg.calls, d); err != nil {
			return nil, err, false
		}
		if !e.local && !e.guard.allow() {
			return nil, e.unavailable("get"), false
		}
		rec, ok, err, inTime := e.get(f)
		if !inTime {
			return nil, errSettled, false
		}
		if err != nil {
			return nil, err, false
		}
		if !ok || !rec.Live(e.now()) {
			return nil, nil, true
		}
		cur = rec
	}
}

// timedOut reports whether err is a context's end or a network timeout:
// the operation that failed with it may still be carried out.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.As(err, &ne) && ne.Timeout()
}

// sleepOn waits d on c, or until ctx ends.
func sleepOn(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
