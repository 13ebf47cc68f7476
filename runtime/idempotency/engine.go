package idempotency

import (
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
	return &Engine{store: store, cfg: cfg, flights: make(map[string]*flight)}, nil
}

// Request is one call as Execute sees it.
type Request struct {
	// Policy names the operation; it is part of the store key, so two
	// operations never share a record.
	Policy string
	// Key is the business key as text; "" means the key is missing.
	Key string
	// Args is a canonical encoding of the other arguments (CanonicalJSON);
	// only its sha256 is stored.
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
	val, err, _ := e.execute(ctx, r, run)
	return val, err
}

// execute is Execute that also says whether the outcome is run's (or the
// store's), as opposed to the caller giving up or being refused before the
// flight: only then may the caller read what run wrote.
func (e *Engine) execute(ctx context.Context, r Request, run func(context.Context) ([]byte, error)) (val []byte, err error, settled bool) {
	if r.Key == "" {
		if e.cfg.MissingKey == MissingKeyRun {
			val, err = run(ctx)
			return val, err, true
		}
		return nil, ErrMissingKey, false
	}
	if err := ctx.Err(); err != nil {
		return nil, err, false
	}
	if r.Policy == "" {
		return nil, errors.New("baldur: idempotency: Request.Policy is empty"), false
	}
	if !validKey(r.Key, e.cfg.MaxKeyBytes) {
		return nil, fmt.Errorf("%w: %d bytes, at most %d, UTF-8 without control characters", ErrInvalidKey, len(r.Key), e.cfg.MaxKeyBytes), false
	}
	tenant := TenantFrom(ctx)
	if tenant == "" && e.cfg.RequireTenant {
		return nil, ErrMissingTenant, false
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = e.cfg.TTL
	}
	key := StoreKey(e.cfg.Namespace, tenant, r.Policy, r.Key)
	f, first, err := e.join(ctx, r.Policy, key, fingerprint(r.Args), ttl, run)
	if err != nil {
		return nil, err, false
	}
	return e.await(ctx, f, first)
}

// join attaches the caller to the local flight on key, or starts one.
func (e *Engine) join(ctx context.Context, policy, key, fp string, ttl time.Duration, run func(context.Context) ([]byte, error)) (*flight, bool, error) {
	e.mu.Lock()
	if f := e.flights[key]; f != nil {
		defer e.mu.Unlock()
		if f.fp != fp {
			e.emit(EventKeyReused, f)
			return nil, false, ErrKeyReused
		}
		f.refs++
		e.emit(EventJoin, f)
		return f, false, nil
	}
	f := newFlight(ctx, policy, key, fp, ttl)
	e.flights[key] = f
	e.mu.Unlock()
	go e.fly(f, run)
	return f, true, nil
}

// await waits for f's outcome. The first caller counts as a duplicate only
// once the key turns out to be held by another process; a joiner, as soon
// as the flight is running or waiting.
func (e *Engine) await(ctx context.Context, f *flight, first bool) ([]byte, error, bool) {
	busy := f.remote
	if !first {
		busy = f.busy
	}
	var bound <-chan time.Time
	for {
		select {
		case <-f.done:
			val, err := f.outcome()
			return val, err, true
		case <-busy:
			busy = nil
			select {
			case <-f.done:
				val, err := f.outcome()
				return val, err, true
			default:
			}
			switch w := e.cfg.InFlightWait; {
			case w < 0:
				e.leave(f)
				return nil, ErrInFlight, false
			case w > 0:
				t := e.cfg.Clock.NewTimer(w)
				defer t.Stop()
				bound = t.C()
			}
		case <-bound:
			e.leave(f)
			return nil, ErrInFlight, false
		case <-ctx.Done():
			e.leave(f)
			return nil, ctx.Err(), false
		}
	}
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
