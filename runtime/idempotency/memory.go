package idempotency

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// DefaultMemoryCapacity is the memory store's default size. The memory
// store is the store, not a cache in front of one, so evicting a completed
// record forgets it: a duplicate after that runs again. 10,000 records of a
// few hundred bytes each cost a few megabytes and remember the last
// 10,000 keys, which covers a day of retries for most single-process
// services; raise it with NewMemoryStore for more.
const DefaultMemoryCapacity = 10_000

// MemoryStore is a Store in this process's memory, bounded by capacity:
// completed and failed records are evicted least recently used first;
// in-flight records are never evicted, and a claim that would need to
// evict one fails with ErrStoreFull instead. Expired records are replaced
// by the claim that finds them and age out of the LRU order.
type MemoryStore struct {
	mu       sync.Mutex
	capacity int
	entries  map[string]*memEntry
	lru      memEntry // sentinel of the ring of finished records, newest first
}

type memEntry struct {
	key        string
	rec        Record
	prev, next *memEntry // nil while in flight (not in the ring)
}

// NewMemoryStore returns an empty store holding at most capacity records;
// capacity <= 0 means DefaultMemoryCapacity.
func NewMemoryStore(capacity int) *MemoryStore {
	if capacity <= 0 {
		capacity = DefaultMemoryCapacity
	}
	s := &MemoryStore{capacity: capacity, entries: make(map[string]*memEntry)}
	s.lru.prev, s.lru.next = &s.lru, &s.lru
	return s
}

// Len is the number of records held, never more than the capacity.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *MemoryStore) Claim(_ context.Context, key string, rec Record, now time.Time) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e != nil && e.rec.Live(now) {
		s.touch(e)
		return clone(e.rec), false, nil
	}
	if e == nil {
		if len(s.entries) >= s.capacity && !s.evict() {
			return Record{}, false, ErrStoreFull
		}
		e = &memEntry{key: key}
		s.entries[key] = e
	}
	s.unlink(e)
	e.rec = clone(rec)
	return rec, true, nil
}

func (s *MemoryStore) Get(_ context.Context, key string) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil {
		return Record{}, false, nil
	}
	s.touch(e)
	return clone(e.rec), true, nil
}

func (s *MemoryStore) Update(_ context.Context, key string, rec Record, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil || e.rec.Token != rec.Token {
		return ErrLeaseLost
	}
	e.rec = clone(rec)
	if rec.State == StateInFlight {
		s.unlink(e)
	} else {
		s.touch(e)
	}
	return nil
}

func (s *MemoryStore) Release(_ context.Context, key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil || e.rec.Token != token {
		return ErrLeaseLost
	}
	s.unlink(e)
	delete(s.entries, key)
	return nil
}

// touch moves a finished record to the front of the LRU ring.
func (s *MemoryStore) touch(e *memEntry) {
	if e.rec.State == StateInFlight {
		return
	}
	s.unlink(e)
	e.prev, e.next = &s.lru, s.lru.next
	e.prev.next, e.next.prev = e, e
}

func (s *MemoryStore) unlink(e *memEntry) {
	if e.next == nil {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// evict drops the least recently used finished record, if there is one.
func (s *MemoryStore) evict() bool {
	old := s.lru.prev
	if old == &s.lru {
		return false
	}
	s.unlink(old)
	delete(s.entries, old.key)
	return true
}

// clone copies Value so neither the store nor its callers see the other's
// later writes.
func clone(r Record) Record {
	r.Value = bytes.Clone(r.Value)
	return r
}
