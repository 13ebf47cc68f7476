package idempotency

import (
	"context"
	"time"
)

// State is the state of a stored record.
type State uint8

const (
	// StateInFlight: a caller owns the key until Expires (its lease).
	StateInFlight State = iota + 1
	// StateCompleted: Value is the encoded result, valid until Expires.
	StateCompleted
	// StateFailed: Value is the message of a permanent error.
	StateFailed
)

func (s State) String() string {
	switch s {
	case StateInFlight:
		return "in-flight"
	case StateCompleted:
		return "completed"
	case StateFailed:
		return "failed"
	}
	return "invalid"
}

// Record is one key's entry in a Store.
type Record struct {
	State State
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
func (r Record) Live(now time.Time) bool { return r.State != 0 && r.Expires.After(now) }

// Store keeps idempotency records. Keys are 64 hex characters made by
// StoreKey; every decision about expiry uses the now argument, which comes
// from the engine's clock. A store may also expire records physically, as
// a cleanup backstop, but not before Expires.
//
// Implementations must be safe for concurrent use by several engines and
// processes; package storetest checks a Store against this contract.
type Store interface {
	// Claim writes rec (in flight) when key has no live record at now and
	// reports claimed. Otherwise it returns the record it found and leaves
	// it alone. Must be atomic: of two claims on a free key, one wins. A
	// loser that raced the winner's write may return what it read before
	// (a dead record, or none); the engine treats a refused claim without a
	// live record as a disagreement and claims again, at most
	// Config.MaxClaimAttempts times.
	Claim(ctx context.Context, key string, rec Record, now time.Time) (cur Record, claimed bool, err error)
	// Get returns key's record, live or not, and whether there is one.
	Get(ctx context.Context, key string) (Record, bool, error)
	// Update replaces key's record with rec if the stored token equals
	// rec.Token; otherwise it returns ErrLeaseLost. It completes, fails and
	// renews records.
	Update(ctx context.Context, key string, rec Record, now time.Time) error
	// Release deletes key's record if its token equals token; otherwise it
	// returns ErrLeaseLost.
	Release(ctx context.Context, key, token string) error
}

// LocalStore is a Store that keeps its records in this process's memory,
// as MemoryStore does, and says so with Local. Its records die with the
// process, so an in-flight record cannot outlive its owner; its operations
// neither block nor fail other than as the Store contract says (ErrLeaseLost,
// ErrStoreFull). An engine on a store whose Local reports true therefore:
//
//   - calls it on the caller's goroutine, without Config.StoreTimeout, and
//     answers a stored result without starting a goroutine;
//   - does not renew leases: with renewal on (Config.RenewEvery >= 0) a
//     claim holds the key for as long as the call runs, which is what
//     renewal achieves for a store that outlives the process; with renewal
//     off a claim lasts Config.Lease, as it does on any store;
//   - draws tokens from math/rand/v2 rather than crypto/rand: they only
//     need to be unique among this process's claims.
//
// A wrapper around another store must not report true unless the wrapped
// store is local and the wrapper adds no failure of its own: a write that
// fails leaves a held key in flight until the process ends.
type LocalStore interface {
	Store
	// Local reports whether the store keeps its records in this
	// process's memory.
	Local() bool
}

// isLocal reports whether s is a LocalStore that says it is local.
func isLocal(s Store) bool {
	l, ok := s.(LocalStore)
	return ok && l.Local()
}
