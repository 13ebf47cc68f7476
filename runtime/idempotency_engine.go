package baldur

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// idemEngine deduplicates one policy's calls by key through a store. It is
// safe for concurrent use; engines in several processes may share one
// store. Runtime.Policy builds one per idempotent policy name.
type idemEngine struct {
	rt     *Runtime
	policy string
	method string
	store  IdempotencyStore
	cfg    idemConfig
	local  bool // store is a LocalIdempotencyStore (see there)
	// bounded: store says it returns from every operation by its
	// context's deadline (see IdempotencyStore).
	bounded bool
	mem     *MemoryStore // store, when it is one: read and written without copies
	guard   *storeGuard  // the runtime's, around store; unused on a local store

	ops      opWatch                    // store operations in progress
	failures failureLog                 // of the store, for the Warn log
	shape    shapeCache                 // of the last arguments seen (see shapeOf)
	plan     atomic.Pointer[resultPlan] // of the last results (see planFor)
	work     chan *flight               // to idle workers (see dispatch)
	space    *memSpace                  // the engine's records in mem
	spare    sync.Pool                  // of Idempotent's typedCalls (see recycle)
	// base, when set, is when the engine started, on the system clock: on a
	// local store the engine reads the time as base plus the monotonic time
	// since, half the cost of time.Now here, and only this process reads
	// the records. Otherwise the time is cfg.clock's.
	base time.Time

	mu      sync.Mutex
	flights map[string]*flight // the one local call working on each record, by recKey.local
	// unrecorded: results that ran but could not be recorded, by store key,
	// and their keys oldest first (see keepUnrecorded).
	unrecorded      map[string]*unrecorded
	unrecordedOrder list.List
	// owned is the sentinel of the ring of calls running on keys this
	// engine claimed on a store elsewhere, whose leases it renews (see
	// renewAll); renewTimer is set while there are any.
	owned      flight
	renewTimer Timer
	renewArmed bool
	renewGen   uint64
}

func newIdemEngine(rt *Runtime, policy, method string, store IdempotencyStore, guard *storeGuard, cfg idemConfig) *idemEngine {
	e := &idemEngine{
		rt: rt, policy: policy, method: method, store: store, guard: guard, cfg: cfg,
		local: isLocal(store), flights: make(map[string]*flight), work: make(chan *flight),
	}
	e.mem, _ = store.(*MemoryStore)
	if e.mem != nil {
		e.space = e.mem.space(cfg.Namespace, policy)
	}
	if _, system := cfg.clock.(SystemClock); system && e.local {
		e.base = time.Now()
	}
	if b, ok := store.(interface{ BoundedByContext() bool }); ok {
		e.bounded = b.BoundedByContext()
	}
	e.owned.renewal.prev, e.owned.renewal.next = &e.owned, &e.owned
	return e
}

// idemRequest is one call as execute sees it.
type idemRequest struct {
	// key is the business key as text; "" means the key is missing.
	key string
	// args are the other arguments; only the sha256 of their canonical
	// JSON is stored (a MemoryStore may keep them instead, in this
	// process's memory).
	args callArgs
	// ttl is how long the record answers duplicates.
	ttl time.Duration
}

// result is the outcome of execute.
type result struct {
	val []byte // shared with the flight or the store: never written
	err error
	// settled: the outcome is run's or the store's, as opposed to the
	// caller giving up or being refused before the flight; only then may
	// the caller read what run wrote.
	settled bool
	// A completed record found in e.mem: its memo (see Idempotent), and
	// what setMemo needs to attach one.
	memo  any
	key   recKey
	token string
}

// execute runs run at most once per key while the key's record lives, and
// hands every duplicate the stored result:
//
//   - the first caller claims the key and runs run; a result is stored,
//     a permanent failure is stored, any other failure releases the key;
//   - a concurrent duplicate waits for that outcome (IdempotencyConfig.
//     InFlight); duplicates in this process wait on the local call, not on
//     the store;
//   - a later duplicate gets the stored bytes without calling run;
//   - a duplicate with different args gets ErrKeyReused.
//
// run executes on its own goroutine with a context that keeps ctx's values
// but is cancelled only when every local caller waiting for it has given
// up, so the first caller's cancellation neither poisons the others nor
// frees the key while run still runs. A caller whose ctx ends returns
// ctx.Err() at once. That context has no deadline, since callers' deadlines
// differ: each caller stops waiting at its own, and the policy's timeout
// layer, inside run, bounds the attempts.
func (e *idemEngine) execute(ctx context.Context, r *idemRequest, run runner) result {
	var c prepared
	var res result
	if e.prepare(ctx, r, &c, &res, nil) {
		return res
	}
	return e.proceed(ctx, r, c, run, nil)
}

// prepared is what prepare learnt of a call that it did not answer.
type prepared struct {
	key     recKey
	now     lazyNow
	fp      string
	missing bool    // no key, and MissingKeyRun: run it as it is
	flight  *flight // started by look, for the caller to fly
}

// prepare checks r and answers it when it can without running anything: a
// mistake of the caller, or a stored result found in a MemoryStore, which
// needs no lock of the engine's since nothing is claimed. done says it did.
// With slots, a MemoryStore's free key may be claimed here (see look).
// c and res are written in place: they are large, and a hit's cost is
// counted in their copies.
func (e *idemEngine) prepare(ctx context.Context, r *idemRequest, c *prepared, res *result, slots slotter) (done bool) {
	if r.key == "" {
		if e.cfg.MissingKey == MissingKeyRun {
			c.missing = true
			return false
		}
		res.err = ErrMissingKey
		return true
	}
	if err := ctx.Err(); err != nil {
		res.err = err
		return true
	}
	if !validKey(r.key, e.cfg.MaxKeyBytes) {
		res.err = fmt.Errorf("%w: %d bytes, at most %d, UTF-8 without control characters", ErrInvalidKey, len(r.key), e.cfg.MaxKeyBytes)
		return true
	}
	tenant := TenantFrom(ctx)
	if tenant == "" && e.cfg.RequireTenant {
		res.err = ErrMissingTenant
		return true
	}
	switch {
	case e.mem != nil:
		c.key, c.now = recKey{space: e.space, tenant: tenant, id: r.key}, lazyNow{e: e}
		return e.look(ctx, c, r, res, slots)
	case e.local:
		c.key, c.now = recKey{id: storeKey(e.cfg.Namespace, tenant, e.policy, r.key)}, lazyNow{t: e.now(), read: true}
		c.fp = fingerprint(r.args.bytes()) // hashed here, not under the lock
	default:
		c.key = recKey{id: storeKey(e.cfg.Namespace, tenant, e.policy, r.key)}
	}
	return false
}

// proceed is execute for a call that prepare did not answer; slot, when
// not nil, is memory for the flight, kept with run.
func (e *idemEngine) proceed(ctx context.Context, r *idemRequest, c prepared, run runner, slot *flight) result {
	if c.missing {
		val, err := run.run(ctx)
		return result{val: val, err: err, settled: true}
	}
	key, now, fp := c.key, c.now, c.fp
	var token string
	var ent *memEntry
	e.mu.Lock()
	name := key.local()
	if f := e.flights[name]; f != nil {
		err := e.joinLocked(f, &r.args)
		e.mu.Unlock()
		if err != nil {
			return result{err: err}
		}
		return e.await(ctx, f, false)
	}
	if len(e.unrecorded) > 0 {
		if res, ok := e.unrecordedLocked(key, &r.args); ok {
			e.mu.Unlock()
			return res
		}
	}
	if e.local {
		var res result
		var answered bool
		if res, answered, token, fp, ent = e.claimLocal(ctx, key, &r.args, fp, &now); answered {
			e.mu.Unlock()
			return res
		}
	} else if !e.guard.allow() {
		e.mu.Unlock()
		return result{err: e.unavailable("claim")}
	}
	// A caller that cannot be cancelled never leaves before the outcome,
	// and a store that returns by its context's deadline cannot hold it
	// past the store timeout: the call runs here, without a goroutine to
	// hand it to and back from.
	inline := ctx.Done() == nil && (e.local || e.bounded)
	f := newFlight(slot, ctx, key, r.args, r.ttl, run, e.cfg.InFlight != InFlightWait, inline, e.local)
	f.token, f.fp, f.ent = token, fp, ent
	if token != "" {
		f.leaseEnd = e.leaseEndAt(&now)
	} else {
		f.args.bytes() // its goroutine fingerprints them: encoded before it starts
	}
	e.flights[name], f.listed = f, true
	e.mu.Unlock()
	if inline {
		e.fly(f)
		return f.result()
	}
	e.dispatch(f)
	return e.await(ctx, f, true)
}

// unlist takes f out of e.flights, if it is still there. Called with e.mu
// held.
func (e *idemEngine) unlist(f *flight) {
	if f.listed {
		delete(e.flights, f.key.local())
		f.listed = false
	}
}

// joinLocked attaches a caller with arguments args to the local flight f.
// Called with e.mu held.
func (e *idemEngine) joinLocked(f *flight, args *callArgs) error {
	if !f.args.same(args) { // equal encodings, equal fingerprints
		e.event(EventKeyReused)
		return ErrKeyReused
	}
	f.refs++
	f.joined = true
	if f.done == nil {
		f.done = make(chan struct{})
	}
	e.event(EventDuplicate)
	return nil
}

// await waits for f's outcome. The first caller counts as a duplicate only
// once the key turns out to be held by another process; a joiner, as soon
// as the flight is running or waiting.
func (e *idemEngine) await(ctx context.Context, f *flight, first bool) result {
	if f.busy == nil { // a duplicate waits for the outcome or the caller's end
		select {
		case <-f.done:
			return f.result()
		case <-ctx.Done():
			e.leave(f, ctx.Err())
			return result{err: ctx.Err()}
		}
	}
	busy := f.remote
	if !first {
		busy = f.busy
	}
	var bound <-chan time.Time
	for {
		select {
		case <-f.done:
			return f.result()
		case <-busy:
			busy = nil
			select {
			case <-f.done:
				return f.result()
			default:
			}
			if e.cfg.InFlight.Fails() {
				e.leave(f, nil)
				return result{err: ErrInFlight}
			}
			t := e.cfg.calls.NewTimer(e.cfg.InFlight.MaxWait())
			defer t.Stop()
			bound = t.C()
		case <-bound:
			e.leave(f, context.DeadlineExceeded)
			return result{err: ErrInFlight}
		case <-ctx.Done():
			e.leave(f, ctx.Err())
			return result{err: ctx.Err()}
		}
	}
}

func (f *flight) result() result {
	val, err := f.outcome()
	return result{val: val, err: err, settled: true}
}

// leave drops a caller that stopped waiting because of why; the last one
// out cancels the flight, so a call nobody waits for does not run on. When
// a caller left because its deadline (or the in-flight bound) passed, the
// flight's cause is errAbandoned: the dependency did not answer in time,
// which its breaker counts as a failure. A flight that every caller
// cancelled is cancelled like a plain call whose caller cancels.
func (e *idemEngine) leave(f *flight, why error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.refs--
	if errors.Is(why, context.DeadlineExceeded) {
		f.timedOut = true
	}
	if f.refs > 0 || f.finished {
		return
	}
	e.unlist(f)
	if f.ran { // its outcome is being written, which needs no caller
		return
	}
	if f.timedOut {
		f.stop(errAbandoned)
	} else {
		f.stop(context.Canceled)
	}
}

// errAbandoned is the cause of a flight's cancellation when its callers
// gave up waiting for it at their deadlines. It matches
// context.DeadlineExceeded.
var errAbandoned error = abandonedError{}

type abandonedError struct{}

func (abandonedError) Error() string {
	return "baldur: idempotent call abandoned: every caller's deadline passed"
}

func (abandonedError) Is(target error) bool { return target == context.DeadlineExceeded }

// abandoned reports whether ctx is an idempotent call's context that its
// callers gave up on at their deadlines.
func abandoned(ctx context.Context) bool {
	_, ok := context.Cause(ctx).(abandonedError)
	return ok
}

// lazyNow is e's time, read when first needed: a call on a key the
// memory store has never seen needs none before its call ran.
type lazyNow struct {
	e    *idemEngine
	t    time.Time
	read bool
}

func (l *lazyNow) get() time.Time {
	if !l.read {
		l.t, l.read = l.e.now(), true
	}
	return l.t
}

// now is the time records are written and checked with (see base).
func (e *idemEngine) now() time.Time {
	if e.base.IsZero() {
		return e.cfg.clock.Now()
	}
	return e.base.Add(time.Since(e.base))
}

// event reports what happened to one of the engine's calls, when anyone
// listens.
func (e *idemEngine) event(kind EventKind) {
	if e.rt.callEvents {
		e.rt.emit(context.Background(), Event{Kind: kind, Policy: e.policy, Method: e.method})
	}
}

// workerIdle is how long a goroutine that ran a flight waits for the next
// one before it ends. Reusing them saves starting one per call and growing
// its stack again.
const workerIdle = 200 * time.Millisecond

// dispatch runs f on an idle worker of e's, or on a new one.
func (e *idemEngine) dispatch(f *flight) {
	select {
	case e.work <- f:
	default:
		go e.worker(f)
	}
}

// worker runs f, then the flights handed to it, until it has been idle for
// workerIdle.
func (e *idemEngine) worker(f *flight) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		e.fly(f)
		t.Reset(workerIdle)
		select {
		case f = <-e.work:
		case <-t.C:
			return
		}
	}
}
