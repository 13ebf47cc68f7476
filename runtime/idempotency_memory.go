package baldur

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// defaultMemoryRecords is the memory store's default size. The memory
// store is the store, not a cache in front of one, so evicting a completed
// record forgets it: a duplicate after that runs again. 10,000 records of a
// few hundred bytes each cost a few megabytes and remember the last
// 10,000 keys, which covers a day of retries for most single-process
// services; raise it with MemoryLimits for more.
const defaultMemoryRecords = 10_000

// Byte bounds of the memory store. A record costs its key, token,
// fingerprint and result, and memEntryOverhead for the entry and its map
// slot.
const (
	defaultMemoryBytes  = 64 << 20
	defaultResultBytes  = 1 << 20
	memEntryOverhead    = 192
	maxMemoResultLength = 4 << 10 // longer results are decoded anew for each duplicate
)

// MemoryLimits bound a MemoryStore. Zero fields take their defaults.
type MemoryLimits struct {
	// Records is the most records the store holds (default 10,000).
	Records int
	// MaxBytes bounds the bytes the records hold, keys and results
	// included (default 64 MiB).
	MaxBytes int64
	// MaxResultBytes: a result larger than this, encoded, is not stored
	// (default 1 MiB, at most MaxBytes). Such a call is deduplicated only
	// while it runs: duplicates that arrive then share its result, later
	// ones run it again.
	MaxResultBytes int64
}

// MemoryStore is an IdempotencyStore in this process's memory, bounded by
// its MemoryLimits, in records and in bytes: completed and failed records
// are evicted least recently used first; in-flight records are never
// evicted, and a claim that would need to evict one fails with
// ErrStoreFull instead. Expired records are replaced by the claim that
// finds them and age out of the LRU order.
//
// It is a LocalIdempotencyStore. The runtime also reads its records
// without copying their values, and keeps a completed result decoded
// beside its bytes when copying it gives a duplicate a value of its own.
type MemoryStore struct {
	mu                  sync.Mutex
	capacity            int
	maxBytes, maxResult int64
	bytes               int64 // what the entries hold, by entrySize
	entries             map[string]*memEntry
	lru                 memEntry // sentinel of the ring of finished records, newest first
}

type memEntry struct {
	key string
	rec IdempotencyRecord
	// args, when not nil, are the arguments whose fingerprint rec has:
	// an engine that claims through claim leaves rec.Fingerprint empty and
	// keeps arguments no longer than a fingerprint instead, so it compares
	// arguments without hashing them. record fills the fingerprint in.
	args       []byte
	memo       any       // rec.Value decoded by an engine, or nil; reset with rec
	prev, next *memEntry // nil while in flight (not in the ring)
	size       int64     // entrySize when last accounted
}

// entrySize is what e holds, as the byte bound counts it; a decoded result
// is counted as long as its encoding.
func entrySize(e *memEntry) int64 {
	n := memEntryOverhead + len(e.key) + len(e.rec.Token) + len(e.rec.Fingerprint) + len(e.rec.Value) + len(e.args)
	if e.memo != nil {
		n += len(e.rec.Value)
	}
	return int64(n)
}

// account brings s.bytes up to date with e's size.
func (s *MemoryStore) account(e *memEntry) {
	n := entrySize(e)
	s.bytes += n - e.size
	e.size = n
}

// drop removes e from the store.
func (s *MemoryStore) drop(e *memEntry) {
	s.unlink(e)
	delete(s.entries, e.key)
	s.bytes -= e.size
	e.size = 0
}

// shrink evicts finished records, least recently used first, until the
// store is within its byte bound or only keep and in-flight records are
// left. It reports whether the store is within its bound.
func (s *MemoryStore) shrink(keep *memEntry) bool {
	for s.bytes > s.maxBytes {
		old := s.lru.prev
		if old == &s.lru || old == keep {
			return false
		}
		s.drop(old)
	}
	return true
}

// maxMemArgs is the longest arguments an entry keeps instead of their
// fingerprint, so that it never holds more than it would otherwise.
const maxMemArgs = 64

// record is e.rec as the IdempotencyStore methods show it, with its
// fingerprint.
func (s *MemoryStore) record(e *memEntry) IdempotencyRecord {
	if e.rec.Fingerprint == "" && e.args != nil {
		e.rec.Fingerprint = fingerprint(e.args)
		s.account(e)
	}
	return e.rec
}

// NewMemoryStore returns an empty store bounded by limits.
func NewMemoryStore(limits MemoryLimits) *MemoryStore {
	s := &MemoryStore{capacity: limits.Records, maxBytes: limits.MaxBytes, maxResult: limits.MaxResultBytes, entries: make(map[string]*memEntry)}
	if s.capacity <= 0 {
		s.capacity = defaultMemoryRecords
	}
	if s.maxBytes <= 0 {
		s.maxBytes = defaultMemoryBytes
	}
	if s.maxResult <= 0 {
		s.maxResult = defaultResultBytes
	}
	s.maxResult = min(s.maxResult, s.maxBytes)
	s.lru.prev, s.lru.next = &s.lru, &s.lru
	return s
}

// Local reports true: the records live in this process's memory.
func (s *MemoryStore) Local() bool { return true }

// Bytes is what the records hold, as MemoryLimits.MaxBytes counts it.
func (s *MemoryStore) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Len is the number of records held, never more than MemoryLimits.Records.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *MemoryStore) Claim(_ context.Context, key string, rec IdempotencyRecord, now time.Time) (IdempotencyRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.claimLocked(key, now)
	if e == nil || err != nil {
		return IdempotencyRecord{}, false, err
	}
	if e.rec.State != 0 {
		return clone(s.record(e)), false, nil
	}
	e.rec = clone(rec)
	if !s.admit(e) {
		return IdempotencyRecord{}, false, ErrStoreFull
	}
	return rec, true, nil
}

// admit accounts for the claim just written into e, evicting finished
// records to make room; a claim that does not fit beside the in-flight
// records is undone.
func (s *MemoryStore) admit(e *memEntry) bool {
	s.account(e)
	if s.shrink(e) {
		return true
	}
	s.drop(e)
	return false
}

// claim is Claim for an engine of this process, without copies: a claimed
// rec is kept as it is, and a record found is returned with its Value
// shared, its memo, and its arguments when the entry kept them instead of
// a fingerprint (then cur.Fingerprint may be empty). An empty rec.Token is
// drawn here, so finding a record costs no token; an empty
// rec.Fingerprint stands for args'. The engine never writes what it gets.
func (s *MemoryStore) claim(key string, rec IdempotencyRecord, args []byte, now time.Time) (cur IdempotencyRecord, curArgs []byte, memo any, claimed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.claimLocked(key, now)
	if e == nil || err != nil {
		return IdempotencyRecord{}, nil, nil, false, err
	}
	if e.rec.State != 0 {
		return e.rec, e.args, e.memo, false, nil
	}
	if rec.Token == "" {
		rec.Token = localToken()
	}
	if rec.Fingerprint == "" && len(args) > maxMemArgs {
		rec.Fingerprint = fingerprint(args)
	}
	if rec.Fingerprint == "" {
		e.args = args
		if args == nil {
			e.args = []byte{} // kept, and empty: nil means none kept
		}
	}
	e.rec = rec
	if !s.admit(e) {
		return IdempotencyRecord{}, nil, nil, false, ErrStoreFull
	}
	return rec, nil, nil, true, nil
}

// claimLocked finds key's entry: a live one, touched, or one to write the
// claim into (State 0), taken from a dead record, the free capacity or
// the least recently used finished record; nil and ErrStoreFull when
// every record is in flight.
func (s *MemoryStore) claimLocked(key string, now time.Time) (*memEntry, error) {
	e := s.entries[key]
	if e != nil && e.rec.Live(now) {
		s.touch(e)
		return e, nil
	}
	if e == nil {
		if len(s.entries) >= s.capacity {
			if e = s.evict(); e == nil {
				return nil, ErrStoreFull
			}
		} else {
			e = new(memEntry)
		}
		e.key = key
		s.entries[key] = e
	}
	s.unlink(e)
	e.rec, e.args, e.memo = IdempotencyRecord{}, nil, nil
	s.account(e)
	return e, nil
}

func (s *MemoryStore) Get(_ context.Context, key string) (IdempotencyRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil {
		return IdempotencyRecord{}, false, nil
	}
	s.touch(e)
	return clone(s.record(e)), true, nil
}

func (s *MemoryStore) Update(_ context.Context, key string, rec IdempotencyRecord, _ time.Time) error {
	return s.update(key, clone(rec), false)
}

// update is Update keeping rec.Value without a copy: the engine hands over
// bytes nobody writes. With claimed, rec's fingerprint is the claim's,
// which the entry keeps as it is (perhaps as arguments). A result above
// MaxResultBytes is not kept: the record goes, as if released.
func (s *MemoryStore) update(key string, rec IdempotencyRecord, claimed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil || e.rec.Token != rec.Token {
		return ErrLeaseLost
	}
	if rec.State == RecordCompleted && int64(len(rec.Value)) > s.maxResult {
		s.drop(e)
		return nil
	}
	if claimed {
		rec.Fingerprint = e.rec.Fingerprint
	} else {
		e.args = nil
	}
	e.rec, e.memo = rec, nil
	if rec.State == RecordInFlight {
		s.unlink(e)
	} else {
		s.touch(e)
	}
	s.account(e)
	s.shrink(e)
	return nil
}

func (s *MemoryStore) Release(_ context.Context, key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil || e.rec.Token != token {
		return ErrLeaseLost
	}
	s.drop(e)
	return nil
}

// setMemo keeps v, the decoded Value of key's completed record written by
// token, beside it, unless the record has changed since it was read.
func (s *MemoryStore) setMemo(key, token string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[key]; e != nil && e.rec.Token == token && e.rec.State == RecordCompleted && len(e.rec.Value) <= maxMemoResultLength {
		e.memo = v
		s.account(e)
		s.shrink(e)
	}
}

// touch moves a finished record to the front of the LRU ring.
func (s *MemoryStore) touch(e *memEntry) {
	if e.rec.State == RecordInFlight {
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

// evict drops the least recently used finished record and returns its
// entry, cleared for reuse, or nil when every record is in flight.
func (s *MemoryStore) evict() *memEntry {
	old := s.lru.prev
	if old == &s.lru {
		return nil
	}
	s.drop(old)
	*old = memEntry{}
	return old
}

// clone copies Value so neither the store nor its callers see the other's
// later writes.
func clone(r IdempotencyRecord) IdempotencyRecord {
	r.Value = bytes.Clone(r.Value)
	return r
}
