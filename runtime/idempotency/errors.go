package idempotency

import (
	"errors"
	"fmt"
)

var (
	// ErrKeyReused: the key was already used with different arguments.
	// Nothing ran; the caller reused a key by mistake.
	ErrKeyReused = errors.New("baldur: idempotency key reused with different arguments")

	// ErrInFlight: a call with the same key is running and the caller did
	// not wait for it (Config.InFlightWait is NoWait or its bound passed).
	// Nothing ran; retrying later is safe.
	ErrInFlight = errors.New("baldur: a call with this idempotency key is in flight")

	// ErrMissingKey: the call had no idempotency key and Config.MissingKey
	// says to refuse it. Nothing ran.
	ErrMissingKey = errors.New("baldur: missing idempotency key")

	// ErrMissingTenant: Config.RequireTenant is set and the context carries
	// no tenant (see WithTenant). Nothing ran.
	ErrMissingTenant = errors.New("baldur: idempotency tenant required but missing from context")

	// ErrInvalidKey: the key is longer than Config.MaxKeyBytes, not UTF-8,
	// or holds control characters. Nothing ran.
	ErrInvalidKey = errors.New("baldur: invalid idempotency key")

	// ErrStore matches every *StoreError: the idempotency store failed or
	// did not answer in time.
	ErrStore = errors.New("baldur: idempotency store failed")

	// ErrLeaseLost: the record's token changed under its owner, because the
	// lease ended and another caller took the key over. Stores return it
	// from Update and Release; the engine passes it to the owner's caller.
	ErrLeaseLost = errors.New("baldur: idempotency lease lost to another caller")

	// ErrInconsistentState: the store refused a claim, then showed no live
	// record, Config.MaxClaimAttempts times in a row.
	ErrInconsistentState = errors.New("baldur: idempotency store claim and read disagree")

	// ErrStoreFull: the memory store holds Capacity in-flight records, which
	// it never evicts, so it cannot accept another claim.
	ErrStoreFull = errors.New("baldur: idempotency memory store is full of in-flight records")

	// ErrCodec: arguments or a result could not be encoded, or a stored
	// result could not be decoded. A result that ran but cannot be encoded
	// is stored as a permanent failure, so a duplicate cannot repeat the
	// side effect.
	ErrCodec = errors.New("baldur: idempotency codec failed")
)

// StoreError reports a failed store operation. It matches ErrStore and
// unwraps to the cause (a driver error, context.DeadlineExceeded for the
// per-operation timeout, ErrStoreFull...).
type StoreError struct {
	Op  string // claim, get, complete, renew or release
	Err error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("baldur: idempotency store %s: %v", e.Op, e.Err)
}

func (e *StoreError) Is(target error) bool { return target == ErrStore }
func (e *StoreError) Unwrap() error        { return e.Err }

// StoredError is what a duplicate gets back for a call whose first run
// failed with a permanent error: the original error's message, since the
// error value itself cannot cross a store. It unwraps to nothing.
type StoredError struct {
	Message string
}

func (e *StoredError) Error() string { return e.Message }

// PanicError carries a panic out of the inner call. Every caller still
// waiting for the call panics with it; the record is released.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("baldur: idempotent call panicked: %v\n\n%s", e.Value, e.Stack)
}

var errGoexit = errors.New("baldur: idempotent call ended with runtime.Goexit")
