package idempotency

import (
	"bytes"
	"context"
	"time"
)

// runner is the call a flight makes: Execute's function, or Do's typed
// call, which encodes its result.
type runner interface {
	run(ctx context.Context) ([]byte, error)
}

// runFunc is Execute's run. Its result is copied: the caller's function
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
	policy string
	key    string
	args   []byte // canonical encoding of the other arguments
	fp     string // their fingerprint, computed when needed by fingerprint
	ttl    time.Duration
	run    runner

	// ctx carries the first caller's values without its cancellation;
	// cancel fires when the last waiting caller leaves or the lease is lost.
	ctx    context.Context
	cancel context.CancelCauseFunc

	refs     int  // callers waiting; guarded by Engine.mu
	finished bool // guarded by Engine.mu

	// busy and remote are closed when the call runs or waits, and when it
	// waits on another process; they exist only when Config.InFlightWait
	// makes callers watch them. running and remoteSeen are their flags,
	// written by the flight's goroutine alone.
	busy, remote        chan struct{}
	running, remoteSeen bool

	done     chan struct{}
	val      []byte // read-only once published: callers copy it or decode it
	err      error
	panicked *PanicError
	token    string // set once the flight owns the key
}

func newFlight(ctx context.Context, policy, key string, args []byte, ttl time.Duration, run runner, watched bool) *flight {
	fctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	f := &flight{
		policy: policy, key: key, args: args, ttl: ttl, run: run,
		ctx: fctx, cancel: cancel,
		refs: 1,
		done: make(chan struct{}),
	}
	if watched {
		f.busy, f.remote = make(chan struct{}), make(chan struct{})
	}
	return f
}

// fingerprint is the fingerprint of f.args. Only the flight's goroutine
// calls it once the flight is published.
func (f *flight) fingerprint() string {
	if f.fp == "" {
		f.fp = fingerprint(f.args)
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
