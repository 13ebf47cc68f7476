package baldur

import (
	"bytes"
	"context"
	"encoding/binary"
	"reflect"
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
// It is a LocalIdempotencyStore. The runtime's engines reach it without
// going through its IdempotencyStore methods: they key records by the
// namespace, tenant, policy and key themselves rather than by their
// sha256 (the text stays in this process's memory), compare arguments
// whose type allows it as values rather than by their canonical JSON, read
// records without copying their values, and keep a completed result
// decoded beside its bytes when copying it gives a duplicate a value of
// its own. The first call of its IdempotencyStore methods turns the
// engines' keys into the sha256 ones, so that both ways see the same
// records from then on.
type MemoryStore struct {
	mu                  sync.Mutex
	capacity            int
	maxBytes, maxResult int64
	bytes               int64                // what the entries hold, by entrySize
	hexes               map[string]*memEntry // by store key (sha256)
	count               int                  // records held, in hexes and the spaces
	lru                 memEntry             // sentinel of the ring of finished records, newest first
	hashed              bool                 // the IdempotencyStore methods were used: keys are sha256s
	spaces              map[[2]string]*memSpace
	// Tokens of engines' claims (see drawToken).
	tokenBase, tokens string
	tokenSeq          uint64
}

// recKey names a record. On a store elsewhere, and on a local store other
// than a MemoryStore, id is its store key, a sha256 (see storeKey); on a
// MemoryStore an engine names it by its parts: space, the engine's
// namespace and policy, the tenant, and the key as id. Building one costs
// no allocation and no hash.
type recKey struct {
	space      *memSpace
	tenant, id string
}

// memSpace is a namespace and a policy whose records engines keep in a
// MemoryStore; there is one per pair and store (see space). Its records
// are kept by recKey.local.
type memSpace struct {
	namespace, policy string
	entries           map[string]*memEntry
}

// local is k's name among the records of its space (or, without one,
// among those kept by store key): its id, or, with a tenant, both. Keys
// hold no control characters (see validKey), so none starts with a 0
// byte as the second form does.
func (k recKey) local() string {
	if k.tenant == "" {
		return k.id
	}
	var stack [320]byte
	b := append(stack[:0], 0)
	b = binary.AppendUvarint(b, uint64(len(k.tenant)))
	b = append(b, k.tenant...)
	return string(append(b, k.id...))
}

// table is the map that holds k's record, and k's name in it. Called with
// s.mu held, with k as keyed made it.
func (s *MemoryStore) table(k recKey) (map[string]*memEntry, string) {
	if k.space == nil {
		return s.hexes, k.id
	}
	return k.space.entries, k.local()
}

// lookup is k's entry, or nil. Called with s.mu held.
func (s *MemoryStore) lookup(k recKey) *memEntry {
	m, name := s.table(s.keyed(k))
	return m[name]
}

// space is the memSpace of namespace and policy in s.
func (s *MemoryStore) space(namespace, policy string) *memSpace {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{namespace, policy}
	sp := s.spaces[k]
	if sp == nil {
		sp = &memSpace{namespace: namespace, policy: policy, entries: make(map[string]*memEntry)}
		s.spaces[k] = sp
	}
	return sp
}

type memEntry struct {
	key recKey
	rec IdempotencyRecord
	// args, when not nil, are the arguments whose fingerprint rec has:
	// an engine that claims through claim leaves rec.Fingerprint empty and
	// keeps arguments no longer than a fingerprint instead, so it compares
	// arguments without hashing them. Or val, with byVal, is the arguments
	// themselves (see callArgs). record fills the fingerprint in.
	args       []byte
	val        any
	byVal      bool
	memo       any       // rec.Value decoded by an engine, or nil; reset with rec
	prev, next *memEntry // nil while in flight (not in the ring)
	size       int64     // entrySize when last accounted
	pinned     int       // bytes of its token's chunk besides the token (see drawToken)
	valSize    int       // valueSize of val, with byVal
}

// entrySize is what e holds, as the byte bound counts it; a decoded result
// is counted as long as its encoding, arguments kept as a value as their
// Go size and their strings.
func entrySize(e *memEntry) int64 {
	n := memEntryOverhead + len(e.key.tenant) + len(e.key.id) + len(e.rec.Token) + e.pinned + len(e.rec.Fingerprint) + len(e.rec.Value) + len(e.args)
	if e.memo != nil {
		n += len(e.rec.Value)
	}
	if e.byVal {
		n += e.valSize
	}
	return int64(n)
}

// valueSize is the memory v holds: its size and its strings' bytes. v is
// of a type comparableArgs accepts.
func valueSize(v reflect.Value) int {
	switch v.Kind() {
	case reflect.String:
		return int(v.Type().Size()) + v.Len()
	case reflect.Array:
		n := 0
		for i := range v.Len() {
			n += valueSize(v.Index(i))
		}
		return n
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += valueSize(v.Field(i))
		}
		return n
	}
	return int(v.Type().Size())
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
	m, name := s.table(e.key)
	delete(m, name)
	s.count--
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
	if e.rec.Fingerprint == "" && (e.args != nil || e.byVal) {
		if e.byVal && e.args == nil {
			e.args, _ = canonicalJSON(e.val)
		}
		e.rec.Fingerprint = fingerprint(e.args)
		s.account(e)
	}
	return e.rec
}

// sameArgs reports whether a are the arguments e's record was written for.
func (s *MemoryStore) sameArgs(e *memEntry, a *callArgs) bool {
	switch {
	case e.byVal && a.byVal:
		return e.val == a.val
	case e.byVal && e.args == nil:
		e.args, _ = canonicalJSON(e.val)
		s.account(e)
	}
	if e.args != nil {
		return bytes.Equal(e.args, a.bytes())
	}
	return e.rec.Fingerprint == fingerprint(a.bytes())
}

// keyed is k as the store keys records now: an engine's key is hashed
// once the IdempotencyStore methods have been used. Called with s.mu held.
func (s *MemoryStore) keyed(k recKey) recKey {
	if s.hashed && k.space != nil {
		return recKey{id: storeKey(k.space.namespace, k.tenant, k.space.policy, k.id)}
	}
	return k
}

// hashKeys turns every engine key into its sha256, for the
// IdempotencyStore methods. Called with s.mu held.
func (s *MemoryStore) hashKeys() {
	if s.hashed {
		return
	}
	s.hashed = true
	for _, sp := range s.spaces {
		for name, e := range sp.entries {
			delete(sp.entries, name)
			e.key = s.keyed(e.key)
			s.hexes[e.key.id] = e
			s.account(e)
		}
	}
}

// NewMemoryStore returns an empty store bounded by limits.
func NewMemoryStore(limits MemoryLimits) *MemoryStore {
	s := &MemoryStore{capacity: limits.Records, maxBytes: limits.MaxBytes, maxResult: limits.MaxResultBytes, hexes: make(map[string]*memEntry), spaces: make(map[[2]string]*memSpace)}
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
	return s.count
}

func (s *MemoryStore) Claim(_ context.Context, key string, rec IdempotencyRecord, now time.Time) (IdempotencyRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hashKeys()
	return s.claimRecord(recKey{id: key}, clone(rec), now, true)
}

// claimRecord is Claim with s.mu held, copying the record found if
// copied; engines call it with their keys, without copies.
func (s *MemoryStore) claimRecord(key recKey, rec IdempotencyRecord, now time.Time, copied bool) (IdempotencyRecord, bool, error) {
	e, err := s.claimLocked(s.keyed(key), &lazyNow{t: now, read: true})
	if e == nil || err != nil {
		return IdempotencyRecord{}, false, err
	}
	if e.rec.State != 0 {
		if copied {
			return clone(s.record(e)), false, nil
		}
		return s.record(e), false, nil
	}
	e.rec = rec
	if !s.admit(e) {
		return IdempotencyRecord{}, false, ErrStoreFull
	}
	return rec, true, nil
}

// claimFor is Claim for an engine, with its key, without copies.
func (s *MemoryStore) claimFor(key recKey, rec IdempotencyRecord, now time.Time) (IdempotencyRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claimRecord(key, rec, now, false)
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
// rec is kept as it is, with args; a record found is returned with its
// Value shared, its memo, and whether it is for args. An empty rec.Token
// is drawn here, so finding a record costs no token. The engine never
// writes what it gets.
func (s *MemoryStore) claim(key recKey, rec IdempotencyRecord, args *callArgs, now *lazyNow) (cur IdempotencyRecord, same bool, memo any, claimed bool, ent *memEntry, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.claimLocked(s.keyed(key), now)
	if e == nil || err != nil {
		return IdempotencyRecord{}, false, nil, false, nil, err
	}
	if e.rec.State != 0 {
		return e.rec, e.rec.State == RecordInFlight || s.sameArgs(e, args), e.memo, false, nil, nil
	}
	if rec, err = s.writeClaim(e, rec, args); err != nil {
		return IdempotencyRecord{}, false, nil, false, nil, err
	}
	return rec, true, nil, true, e, nil
}

// writeClaim writes rec, with args, into e, which claimLocked returned
// free, drawing its token if it has none. Called with s.mu held.
func (s *MemoryStore) writeClaim(e *memEntry, rec IdempotencyRecord, args *callArgs) (IdempotencyRecord, error) {
	if rec.Token == "" {
		rec.Token, e.pinned = s.drawToken(), (tokenChunk-1)*tokenLen
	}
	switch {
	case args.byVal:
		e.val, e.byVal, e.valSize = args.val, true, 0
		if args.val != nil {
			e.valSize = valueSize(reflect.ValueOf(args.val))
		}
	case len(args.bytes()) > maxMemArgs:
		rec.Fingerprint = fingerprint(args.bytes())
	default:
		e.args = args.bytes()
		if e.args == nil {
			e.args = []byte{} // kept, and empty: nil means none kept
		}
	}
	e.rec = rec
	if !s.admit(e) {
		return IdempotencyRecord{}, ErrStoreFull
	}
	return rec, nil
}

// claimLocked finds key's entry: a live one, touched, or one to write the
// claim into (State 0), taken from a dead record, the free capacity or
// the least recently used finished record; nil and ErrStoreFull when
// every record is in flight.
func (s *MemoryStore) claimLocked(key recKey, now *lazyNow) (*memEntry, error) {
	m, name := s.table(key)
	return s.claimIn(m, name, m[name], key, now)
}

// claimIn is claimLocked for e, found as m[name].
func (s *MemoryStore) claimIn(m map[string]*memEntry, name string, e *memEntry, key recKey, now *lazyNow) (*memEntry, error) {
	if e != nil && e.rec.Live(now.get()) {
		s.touch(e)
		return e, nil
	}
	if e == nil {
		if s.count >= s.capacity {
			if e = s.evict(); e == nil {
				return nil, ErrStoreFull
			}
		} else {
			e = new(memEntry)
		}
		e.key = key
		m[name] = e
		s.count++
	}
	s.unlink(e)
	e.rec, e.args, e.val, e.byVal, e.memo, e.pinned = IdempotencyRecord{}, nil, nil, false, nil, 0
	return e, nil // accounted by the claim written into it (see admit)
}

func (s *MemoryStore) Get(_ context.Context, key string) (IdempotencyRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hashKeys()
	rec, ok := s.get(recKey{id: key})
	return clone(rec), ok, nil
}

// get is Get with s.mu held, without a copy.
func (s *MemoryStore) get(key recKey) (IdempotencyRecord, bool) {
	e := s.lookup(key)
	if e == nil {
		return IdempotencyRecord{}, false
	}
	s.touch(e)
	return s.record(e), true
}

// getShared is get for an engine.
func (s *MemoryStore) getShared(key recKey) (IdempotencyRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.get(key)
}

func (s *MemoryStore) Update(_ context.Context, key string, rec IdempotencyRecord, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hashKeys()
	return s.updateLocked(recKey{id: key}, clone(rec), false)
}

// update is Update keeping rec.Value without a copy: the engine hands over
// bytes nobody writes. With claimed, rec's fingerprint is the claim's,
// which the entry keeps as it is (perhaps as arguments). A result above
// MaxResultBytes is not kept: the record goes, as if released.
func (s *MemoryStore) update(ent *memEntry, key recKey, rec IdempotencyRecord, claimed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateEntry(s.claimed(ent, key, rec.Token), rec, claimed)
}

func (s *MemoryStore) updateLocked(key recKey, rec IdempotencyRecord, claimed bool) error {
	return s.updateEntry(s.lookup(key), rec, claimed)
}

// claimed is ent, the entry a claim with token was written into, while
// the store still holds it with that token, which no other claim has;
// otherwise key's entry. Called with s.mu held.
func (s *MemoryStore) claimed(ent *memEntry, key recKey, token string) *memEntry {
	if ent != nil && ent.size != 0 && ent.rec.Token == token { // size is 0 once dropped
		return ent
	}
	return s.lookup(key)
}

// updateEntry is updateLocked on e, key's entry or nil.
func (s *MemoryStore) updateEntry(e *memEntry, rec IdempotencyRecord, claimed bool) error {
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
		e.args, e.val, e.byVal = nil, nil, false
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
	s.hashKeys()
	return s.releaseLocked(recKey{id: key}, token)
}

// release is Release for an engine.
func (s *MemoryStore) release(ent *memEntry, key recKey, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.claimed(ent, key, token)
	if e == nil || e.rec.Token != token {
		return ErrLeaseLost
	}
	s.drop(e)
	return nil
}

func (s *MemoryStore) releaseLocked(key recKey, token string) error {
	e := s.lookup(key)
	if e == nil || e.rec.Token != token {
		return ErrLeaseLost
	}
	s.drop(e)
	return nil
}

// setMemo keeps v, the decoded Value of key's completed record written by
// token, beside it, unless the record has changed since it was read.
func (s *MemoryStore) setMemo(key recKey, token string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.lookup(key); e != nil && e.rec.Token == token && e.rec.State == RecordCompleted && len(e.rec.Value) <= maxMemoResultLength {
		e.memo = v
		s.account(e)
		s.shrink(e)
	}
}

// touch moves a finished record to the front of the LRU ring.
func (s *MemoryStore) touch(e *memEntry) {
	if e.rec.State == RecordInFlight || s.lru.next == e {
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
