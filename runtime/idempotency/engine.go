package idempotency

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Engine deduplicates calls by key through a Store. It is safe for
// concurrent use; engines in several processes may share one store.
type Engine struct {
	store Store
	cfg   Config
	local bool         // store is a LocalStore (see there)
	mem   *MemoryStore // store, when it is one: read and written without copies
	json  bool         // cfg.Codec is JSONCodec, which keeps no part of its input

	mu      sync.Mutex
	flights map[string]*flight // store key → the one local call working on it
}

// New builds an Engine on store, or on a NewMemoryStore(0) when store is
// nil. Zero fields of cfg take their defaults; invalid ones are errors.
func New(store Store, cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if store == nil {
		store = NewMemoryStore(0)
	}
	e := &Engine{store: store, cfg: cfg, local: isLocal(store), flights: make(map[string]*flight)}
	e.mem, _ = store.(*MemoryStore)
	_, e.json = cfg.Codec.(JSONCodec)
	return e, nil
}

// Request is one call as Execute sees it.
type Request struct {
	// Policy names the operation; it is part of the store key, so two
	// operations never share a record.
	Policy string
	// Key is the business key as text; "" means the key is missing.
	Key string
	// Args is a canonical encoding of the other arguments (CanonicalJSON);
	// only its sha256 is stored (a MemoryStore may keep up to 64 bytes of
	// it instead, in this process's memory).
	Args []byte
	// TTL overrides Config.TTL for this call's record when positive.
	TTL time.Duration
}

// Execute runs run at most once per key while the key's record lives, and
// hands every duplicate the stored result:
//
//   - the first caller claims the key and runs run; a result is stored,
//     a permanent failure is stored, any other failure releases the key;
//   - a concurrent duplicate waits for that outcome (Config.InFlightWait);
//     duplicates in this process wait on the local call, not on the store;
//   - a later duplicate gets the stored bytes without calling run;
//   - a duplicate with different Args gets ErrKeyReused.
//
// run executes on its own goroutine with a context that keeps ctx's values
// but is cancelled only when every local caller waiting for it has given
// up, so the first caller's cancellation neither poisons the others nor
// frees the key while run still runs. A caller whose ctx ends returns
// ctx.Err() at once. That context has no deadline, since callers' deadlines
// differ: each caller stops waiting at its own, and the policy's timeout
// layer, inside run, bounds the attempts.
func (e *Engine) Execute(ctx context.Context, r Request, run func(context.Context) ([]byte, error)) ([]byte, error) {
	res := e.execute(ctx, r, runFunc(run))
	return bytes.Clone(res.val), res.err // callers may keep and change their copy
}

// result is the outcome of execute.
type result struct {
	val []byte // shared with the flight or the store: never written
	err error
	// settled: the outcome is run's or the store's, as opposed to the
	// caller giving up or being refused before the flight; only then may
	// the caller read what run wrote.
	settled bool
	// A completed record found in e.mem: its memo (see Do), and what
	// setMemo needs to attach one.
	memo       any
	key, token string
}

func (e *Engine) execute(ctx context.Context, r Request, run runner) result {
	if r.Key == "" {
		if e.cfg.MissingKey == MissingKeyRun {
			val, err := run.run(ctx)
			return result{val: val, err: err, settled: true}
		}
		return result{err: ErrMissingKey}
	}
	if err := ctx.Err(); err != nil {
		return result{err: err}
	}
	if r.Policy == "" {
		return result{err: errors.New("baldur: idempotency: Request.Policy is empty")}
	}
	if !validKey(r.Key, e.cfg.MaxKeyBytes) {
		return result{err: fmt.Errorf("%w: %d bytes, at most %d, UTF-8 without control characters", ErrInvalidKey, len(r.Key), e.cfg.MaxKeyBytes)}
	}
	tenant := TenantFrom(ctx)
	if tenant == "" && e.cfg.RequireTenant {
		return result{err: ErrMissingTenant}
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = e.cfg.TTL
	}
	key := StoreKey(e.cfg.Namespace, tenant, r.Policy, r.Key)
	var (
		now       time.Time
		token, fp string
	)
	if e.local {
		now = e.cfg.Clock.Now()
		if e.mem == nil || len(r.Args) > maxMemArgs { // hashed here, not under the lock
			fp = fingerprint(r.Args)
		}
	}
	e.mu.Lock()
	if f := e.flights[key]; f != nil {
		err := e.joinLocked(f, r.Args)
		e.mu.Unlock()
		if err != nil {
			return result{err: err}
		}
		return e.await(ctx, f, false)
	}
	if e.local {
		var res result
		var answered bool
		if res, answered, token, fp = e.claimLocal(ctx, r.Policy, key, r.Args, fp, now); answered {
			e.mu.Unlock()
			return res
		}
	}
	f := newFlight(ctx, r.Policy, key, r.Args, ttl, run, e.cfg.InFlightWait != 0)
	f.token, f.fp = token, fp
	e.flights[key] = f
	e.mu.Unlock()
	go e.fly(f)
	return e.await(ctx, f, true)
}

// joinLocked attaches a caller with arguments args to the local flight f.
// Called with e.mu held.
func (e *Engine) joinLocked(f *flight, args []byte) error {
	if !bytes.Equal(f.args, args) { // equal encodings, equal fingerprints
		e.emit(EventKeyReused, f.policy, f.key)
		return ErrKeyReused
	}
	f.refs++
	e.emit(EventJoin, f.policy, f.key)
	return nil
}

// await waits for f's outcome. The first caller counts as a duplicate only
// once the key turns out to be held by another process; a joiner, as soon
// as the flight is running or waiting.
func (e *Engine) await(ctx context.Context, f *flight, first bool) result {
	if f.busy == nil { // InFlightWait is 0: wait for the outcome or the caller's end
		select {
		case <-f.done:
			return f.result()
		case <-ctx.Done():
			e.leave(f)
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
			switch w := e.cfg.InFlightWait; {
			case w < 0:
				e.leave(f)
				return result{err: ErrInFlight}
			case w > 0:
				t := e.cfg.Clock.NewTimer(w)
				defer t.Stop()
				bound = t.C()
			}
		case <-bound:
			e.leave(f)
			return result{err: ErrInFlight}
		case <-ctx.Done():
			e.leave(f)
			return result{err: ctx.Err()}
		}
	}
}

func (f *flight) result() result {
	val, err := f.outcome()
	return result{val: val, err: err, settled: true}
}

// leave drops a caller that stopped waiting; the last one out cancels the
// flight, so a call nobody waits for does not run on.
func (e *Engine) leave(f *flight) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.refs--
	if f.refs > 0 || f.finished {
		return
	}
	if e.flights[f.key] == f {
		delete(e.flights, f.key)
	}
	f.cancel(context.Canceled)
}

// finish publishes f's outcome.
func (e *Engine) finish(f *flight) {
	e.mu.Lock()
	f.finished = true
	if e.flights[f.key] == f {
		delete(e.flights, f.key)
	}
	e.mu.Unlock()
	f.cancel(context.Canceled)
	close(f.done)
}
