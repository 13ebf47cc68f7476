package baldur

import (
	"context"
	"time"
)

// RecordState is the state of a stored idempotency record.
type RecordState uint8

const (
	// RecordInFlight: a caller owns the key until Expires (its lease).
	RecordInFlight RecordState = iota + 1
	// RecordCompleted: Value is the encoded result, valid until Expires.
	RecordCompleted
	// RecordFailed: Value is the message of a permanent error.
	RecordFailed
)

func (s RecordState) String() string {
	switch s {
	case RecordInFlight:
		return "in-flight"
	case RecordCompleted:
		return "completed"
	case RecordFailed:
		return "failed"
	}
	return "invalid"
}

// IdempotencyRecord is one key's entry in an IdempotencyStore.
type IdempotencyRecord struct {
	State RecordState
	// Token identifies the owner that wrote the record: 26 characters of
	// [A-Z2-7], random per claim, so a late owner is fenced off even after
	// the record was deleted and claimed again.
	Token string
	// Fingerprint is the sha256 (64 hex characters) of the arguments that
	// are not the key.
	Fingerprint string
	// Value is the result (completed), the error message (failed), or nil.
	Value []byte
	// Expires ends the lease (in flight) or the record's life (completed,
	// failed). A record is live while Expires is after the engine's now.
	Expires time.Time
}

// Live reports whether the record still counts at now. Stores must use this
// rule, with the now they are given, rather than their own clock.
func (r IdempotencyRecord) Live(now time.Time) bool { return r.State != 0 && r.Expires.After(now) }

// IdempotencyStore keeps idempotency records. Keys are 64 hex characters,
// a sha256 of the namespace, tenant, policy and business key; every
// decision about expiry uses the now argument, which comes from the
// runtime's clock. A store may also expire records physically, as a
// cleanup backstop, but not before Expires.
//
// Implementations must be safe for concurrent use by several runtimes and
// processes; package runtime/store/storetest checks a store against this
// contract. The runtime bounds every operation by the store timeout
// itself, whatever the store or its client does: it passes a ctx whose
// deadline is the store timeout and cancels it when the operation
// overruns, and stops waiting then. A store should honour ctx, so that an
// abandoned operation does not hold a connection.
//
// A store that returns from every operation by its context's deadline,
// whatever it waits for (network, pool, retries), may say so with a method
// BoundedByContext() bool that returns true: redisstore does for a client
// with ContextTimeoutEnabled, pgstore with WithBoundedByContext. A caller
// whose context cannot be cancelled (context.Background()) then makes its
// call on its own goroutine, as on a local store, rather than handing it
// to a goroutine of the runtime and waiting for it.
type IdempotencyStore interface {
	// Claim writes rec (in flight) when key has no live record at now and
	// reports claimed. Otherwise it returns the record it found and leaves
	// it alone. Must be atomic: of two claims on a free key, one wins. A
	// loser that raced the winner's write may return what it read before
	// (a dead record, or none); the runtime treats a refused claim without
	// a live record as a disagreement and claims again, a bounded number
	// of times.
	Claim(ctx context.Context, key string, rec IdempotencyRecord, now time.Time) (cur IdempotencyRecord, claimed bool, err error)
	// Get returns key's record, live or not, and whether there is one.
	Get(ctx context.Context, key string) (IdempotencyRecord, bool, error)
	// Update replaces key's record with rec if the stored token equals
	// rec.Token; otherwise it returns ErrLeaseLost. It completes, fails and
	// renews records.
	Update(ctx context.Context, key string, rec IdempotencyRecord, now time.Time) error
	// Release deletes key's record if its token equals token; otherwise it
	// returns ErrLeaseLost.
	Release(ctx context.Context, key, token string) error
}

// LocalIdempotencyStore is an IdempotencyStore that keeps its records in
// this process's memory, as MemoryStore does, and says so with Local. Its
// records die with the process, so an in-flight record cannot outlive its
// owner; its operations neither block nor fail other than as the contract
// says (ErrLeaseLost, ErrStoreFull). The runtime therefore:
//
//   - calls it on the caller's goroutine, without the store timeout, and
//     answers a stored result without starting a goroutine;
//   - does not renew leases: with renewal on a claim holds the key for as
//     long as the call runs, which is what renewal achieves for a store
//     that outlives the process; with renewal off a claim lasts the lease,
//     as it does on any store;
//   - draws tokens from math/rand/v2 rather than crypto/rand: they only
//     need to be unique among this process's claims.
//
// A wrapper around another store must not report true unless the wrapped
// store is local and the wrapper adds no failure of its own: a write that
// fails leaves a held key in flight until the process ends.
type LocalIdempotencyStore interface {
	IdempotencyStore
	// Local reports whether the store keeps its records in this
	// process's memory.
	Local() bool
}

// isLocal reports whether s is a LocalIdempotencyStore that says it is
// local.
func isLocal(s IdempotencyStore) bool {
	l, ok := s.(LocalIdempotencyStore)
	return ok && l.Local()
}
