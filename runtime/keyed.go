package baldur

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// keyedBreaker is a named breaker kept once per value of a call's field
// (breaker_key): a tenant, a database host. It holds at most cfg.MaxKeys
// breakers; when a new key would pass that, the least recently used ones
// are dropped, and a dropped key's breaker starts closed again.
//
// Lookups read an immutable snapshot of the keys without a lock or a
// shared write: a map typed by string, so a lookup hashes the key once.
// New keys go into all under mu and reach the snapshot in batches, so a
// stream of new keys copies the map once per many inserts.
type keyedBreaker struct {
	rt   *Runtime
	name string
	cfg  BreakerConfig

	read  atomic.Pointer[map[string]*keyedEntry] // a snapshot of all; never written once published
	clock atomic.Int64                           // advances per new key: the recency of an entry

	mu     sync.Mutex
	all    map[string]*keyedEntry // every live key's entry
	unread int                    // keys in all but not in the snapshot
	misses int                    // calls that found their key in all only, since the last publish
}

type keyedEntry struct {
	b       *CircuitBreaker
	lastUse atomic.Int64
}

func newKeyedBreaker(rt *Runtime, name string, cfg BreakerConfig) *keyedBreaker {
	k := &keyedBreaker{rt: rt, name: name, cfg: cfg, all: map[string]*keyedEntry{}}
	k.read.Store(&map[string]*keyedEntry{})
	return k
}

// get is the breaker of the call's key: the value of its field by, or ""
// when the call does not carry it.
func (k *keyedBreaker) get(pc *PolicyContext, by string) *CircuitBreaker {
	key := ""
	if f := pc.field(by); f != nil {
		if f.kind == fieldString {
			key = f.str
		} else {
			key = f.Value()
		}
	}
	if e := (*k.read.Load())[key]; e != nil {
		if now := k.clock.Load(); e.lastUse.Load() != now { // one write per key per new key elsewhere
			e.lastUse.Store(now)
		}
		return e.b
	}
	return k.insert(key)
}

func (k *keyedBreaker) insert(key string) *CircuitBreaker {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.all[key]; ok {
		// A key the snapshot lacks: once such calls are an eighth of the
		// keys, publish, so that no key stays behind the lock for good.
		e.lastUse.Store(k.clock.Load())
		if k.misses++; k.misses > len(k.all)/8 {
			k.publishLocked()
		}
		return e.b
	}
	if len(k.all) >= k.cfg.MaxKeys.v {
		k.evictLocked()
	}
	b := newCircuitBreaker(k.rt, k.name, k.cfg)
	b.key = key
	k.rt.mu.Lock()
	if k.rt.closed {
		b.stop()
	}
	k.rt.mu.Unlock()
	e := &keyedEntry{b: b}
	e.lastUse.Store(k.clock.Add(1))
	k.all[key] = e
	// Publish once the keys the snapshot lacks are an eighth of it: a
	// copy per many inserts, and few calls take the lock meanwhile.
	if k.unread++; k.unread > len(k.all)/8 {
		k.publishLocked()
	}
	return b
}

// publishLocked makes the snapshot all's keys.
func (k *keyedBreaker) publishLocked() {
	m := make(map[string]*keyedEntry, len(k.all))
	for key, e := range k.all {
		m[key] = e
	}
	k.read.Store(&m)
	k.unread, k.misses = 0, 0
}

// evictLocked drops the least recently used eighth of the breakers (at
// least one), so that a stream of new keys costs one scan per many
// inserts rather than one per insert. The snapshot is replaced at once:
// a dropped breaker must not answer another call.
func (k *keyedBreaker) evictLocked() {
	type aged struct {
		key string
		use int64
	}
	byAge := make([]aged, 0, len(k.all))
	for key, e := range k.all {
		byAge = append(byAge, aged{key, e.lastUse.Load()})
	}
	slices.SortFunc(byAge, func(a, b aged) int { return cmp.Compare(a.use, b.use) })
	oldest := byAge[:max(1, len(k.all)/8)]
	for _, a := range oldest {
		k.all[a.key].b.stop()
		delete(k.all, a.key)
	}
	k.publishLocked()
}

// each calls f for every key's breaker.
func (k *keyedBreaker) each(f func(*CircuitBreaker)) {
	k.mu.Lock()
	entries := make([]*keyedEntry, 0, len(k.all))
	for _, e := range k.all {
		entries = append(entries, e)
	}
	k.mu.Unlock()
	for _, e := range entries {
		f(e.b)
	}
}

func (k *keyedBreaker) stop() { k.each((*CircuitBreaker).stop) }

// lookup returns the breaker of key, or nil.
func (k *keyedBreaker) lookup(key string) *CircuitBreaker {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.all[key]; ok {
		return e.b
	}
	return nil
}
