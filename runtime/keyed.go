package baldur

import (
	"sync"
	"sync/atomic"
)

// keyedBreaker is a named breaker kept once per value of a call's field
// (breaker_key): a tenant, a database host. It holds at most cfg.MaxKeys
// breakers; when a new key would pass that, the least recently used ones
// are dropped, and a dropped key's breaker starts closed again.
type keyedBreaker struct {
	rt   *Runtime
	name string
	cfg  BreakerConfig

	byKey sync.Map     // key → *keyedEntry: lock-free lookups on every call
	clock atomic.Int64 // advances per new key: the recency of an entry

	mu   sync.Mutex // inserts and evictions
	size int
}

type keyedEntry struct {
	b       *CircuitBreaker
	lastUse atomic.Int64
}

func newKeyedBreaker(rt *Runtime, name string, cfg BreakerConfig) *keyedBreaker {
	return &keyedBreaker{rt: rt, name: name, cfg: cfg}
}

// get is the breaker of the call's key: the value of its field by, or ""
// when the call does not carry it.
func (k *keyedBreaker) get(pc *PolicyContext, by string) *CircuitBreaker {
	key := ""
	if f, ok := pc.field(by); ok {
		if f.kind == fieldString {
			key = f.str
		} else {
			key = f.Value()
		}
	}
	now := k.clock.Load()
	if e, ok := k.byKey.Load(key); ok {
		e := e.(*keyedEntry)
		if e.lastUse.Load() != now { // one write per key per new key elsewhere
			e.lastUse.Store(now)
		}
		return e.b
	}
	return k.insert(key)
}

func (k *keyedBreaker) insert(key string) *CircuitBreaker {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.byKey.Load(key); ok {
		return e.(*keyedEntry).b
	}
	if k.size >= k.cfg.MaxKeys.v {
		k.evictLocked()
	}
	b := newCircuitBreaker(k.rt, k.name, k.cfg)
	b.key = k.keyName(key)
	k.rt.mu.Lock()
	if k.rt.closed {
		b.stop()
	}
	k.rt.mu.Unlock()
	e := &keyedEntry{b: b}
	e.lastUse.Store(k.clock.Add(1))
	k.byKey.Store(key, e)
	k.size++
	return b
}

func (k *keyedBreaker) keyName(key string) string { return key }

// evictLocked drops the least recently used eighth of the breakers (at
// least one), so that a stream of new keys costs one scan per many
// inserts rather than one per insert.
func (k *keyedBreaker) evictLocked() {
	n := max(1, k.size/8)
	type aged struct {
		key string
		use int64
	}
	var oldest []aged
	k.byKey.Range(func(key, v any) bool {
		a := aged{key.(string), v.(*keyedEntry).lastUse.Load()}
		if len(oldest) < n {
			oldest = append(oldest, a)
			return true
		}
		for i := range oldest {
			if a.use < oldest[i].use {
				oldest[i], a = a, oldest[i]
			}
		}
		return true
	})
	for _, a := range oldest {
		if v, ok := k.byKey.LoadAndDelete(a.key); ok {
			v.(*keyedEntry).b.stop()
			k.size--
		}
	}
}

// each calls f for every key's breaker.
func (k *keyedBreaker) each(f func(*CircuitBreaker)) {
	k.byKey.Range(func(_, v any) bool {
		f(v.(*keyedEntry).b)
		return true
	})
}

func (k *keyedBreaker) stop() { k.each((*CircuitBreaker).stop) }

// lookup returns the breaker of key, or nil.
func (k *keyedBreaker) lookup(key string) *CircuitBreaker {
	if v, ok := k.byKey.Load(key); ok {
		return v.(*keyedEntry).b
	}
	return nil
}
