package idempotency

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// flight is the one local call working on a store key. Every local caller
// with that key waits on it, so a process talks to the store once per key
// however many duplicates it has.
type flight struct {
	policy string
	key    string
	fp     string
	ttl    time.Duration

	// ctx carries the first caller's values without its cancellation;
	// cancel fires when the last waiting caller leaves or the lease is lost.
	ctx    context.Context
	cancel context.CancelCauseFunc

	refs     int  // callers waiting; guarded by Engine.mu
	finished bool // guarded by Engine.mu

	once         [2]sync.Once
	busy, remote chan struct{} // closed when running or waiting / waiting on another process
	done         chan struct{}
	val          []byte
	err          error
	panicked     *PanicError
	token        string // set once the flight owns the key
}

func newFlight(ctx context.Context, policy, key, fp string, ttl time.Duration) *flight {
	fctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	return &flight{
		policy: policy, key: key, fp: fp, ttl: ttl,
		ctx: fctx, cancel: cancel,
		refs: 1,
		busy: make(chan struct{}), remote: make(chan struct{}), done: make(chan struct{}),
	}
}

// markRunning says the inner call has started here.
func (f *flight) markRunning() { f.once[0].Do(func() { close(f.busy) }) }

// markRemote says another process holds the key.
func (f *flight) markRemote() {
	f.markRunning()
	f.once[1].Do(func() { close(f.remote) })
}

func (f *flight) isRemote() bool {
	select {
	case <-f.remote:
		return true
	default:
		return false
	}
}

func (f *flight) outcome() ([]byte, error) {
	if f.panicked != nil {
		panic(f.panicked)
	}
	return bytes.Clone(f.val), f.err // callers may keep and change their copy
}

// expiry of a finished record written at now.
func (f *flight) expiry(now time.Time) time.Time { return now.Add(f.ttl) }
