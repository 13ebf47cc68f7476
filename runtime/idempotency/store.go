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
