package baldur

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The runtime bounds every operation on a store elsewhere by the store
// timeout itself, whatever the store does with its context: a client
// without timeouts of its own waits for a paused server forever. An
// engine's watchdog ticks every storeTimeout/watchTicks while operations
// are in flight (and stops at the first tick without any); an operation
// still running watchTicks ticks after it started has its context
// cancelled and its flight's outcome published as a *StoreError. The
// flight's goroutine, when the operation finally returns, cleans up (a
// claim that landed late is released) and runs nothing. Watching costs an
// operation a lock and a list link, no timer and no clock read.

const watchTicks = 8

// watchedOp is a flight's store operation in progress; a flight has at
// most one at a time.
type watchedOp struct {
	prev, next *watchedOp // in opWatch's ring while watched
	expire     int64      // the tick at which it has taken too long
	name       string     // claim, get, complete, renew or release
	cancel     context.CancelCauseFunc
	f          *flight
	late       chan struct{}      // a renewal's: closed when it is given up
	stop       context.CancelFunc // an inline flight's: ends its deadline's timer
}

type opWatch struct {
	mu      sync.Mutex
	tick    int64
	ring    watchedOp // sentinel, oldest first
	running bool
}

// watch starts watching op.
func (e *idemEngine) watch(op *watchedOp) {
	w := &e.ops
	w.mu.Lock()
	if w.ring.next == nil {
		w.ring.prev, w.ring.next = &w.ring, &w.ring
	}
	op.expire = w.tick + watchTicks
	op.prev, op.next = w.ring.prev, &w.ring
	op.prev.next, w.ring.prev = op, op
	start := !w.running
	w.running = true
	w.mu.Unlock()
	if start {
		go e.watchdog()
	}
}

// unwatch stops watching op and reports whether it ended in time; when it
// did not, the watchdog has published its flight's outcome already.
func (e *idemEngine) unwatch(op *watchedOp) bool {
	w := &e.ops
	w.mu.Lock()
	defer w.mu.Unlock()
	if op.next == nil {
		return false
	}
	op.prev.next, op.next.prev = op.next, op.prev
	op.prev, op.next = nil, nil
	return true
}

func (e *idemEngine) watchdog() {
	w := &e.ops
	period := max(e.cfg.StoreTimeout/watchTicks, time.Millisecond)
	t := time.NewTimer(period)
	defer t.Stop()
	var late []*watchedOp
	for range t.C {
		w.mu.Lock()
		w.tick++
		for op := w.ring.next; op != &w.ring && op.expire <= w.tick; op = w.ring.next {
			op.prev.next, op.next.prev = op.next, op.prev
			op.prev, op.next = nil, nil
			late = append(late, op)
		}
		idle := w.ring.next == &w.ring
		if idle {
			w.running = false
		}
		w.mu.Unlock()
		for _, op := range late {
			e.tooLate(op)
		}
		if idle {
			return
		}
		late = late[:0]
		t.Reset(period)
	}
}

// storeTimeoutError: a store operation outlived the store timeout. It
// matches context.DeadlineExceeded.
type storeTimeoutError struct{ d time.Duration }

func (e storeTimeoutError) Error() string {
	return fmt.Sprintf("no answer within the store timeout (%v)", e.d)
}

func (e storeTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// tooLate gives up on op: its context is cancelled, and its flight gets
// the outcome it would have had with the store failing. A renewal has no
// outcome to publish: the call goes on.
func (e *idemEngine) tooLate(op *watchedOp) {
	err := &StoreError{Op: op.name, Err: storeTimeoutError{e.cfg.StoreTimeout}}
	e.guard.record(err)
	e.storeFailed(op.name, err)
	op.cancel(err)
	f := op.f
	switch op.name {
	case "claim", "get":
		e.settle(f, nil, err)
	case "complete":
		val, oerr := e.afterWrite(f, f.pendingVal, f.pendingErr, err)
		e.settle(f, val, oerr)
	case "release":
		e.settle(f, nil, errors.Join(f.pendingErr, err))
	case "renew":
		close(op.late) // its owner stops waiting for it
	}
}
