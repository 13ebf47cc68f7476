package baldur

import (
	"errors"
	"fmt"
)

// Idempotency errors. Nothing ran when a call gets one of the first five:
// they are mistakes of the caller, and never reach a fallback.
var (
	// ErrKeyReused: the key was already used with different arguments.
	ErrKeyReused = errors.New("baldur: idempotency key reused with different arguments")

	// ErrInFlight: a call with the same key is running and the caller did
	// not wait for it (IdempotencyConfig.InFlight is InFlightFail, or the
	// MaxWait bound passed). Retrying later is safe.
	ErrInFlight = errors.New("baldur: a call with this idempotency key is in flight")

	// ErrMissingKey: the call had no idempotency key and
	// IdempotencyConfig.MissingKey says to refuse it.
	ErrMissingKey = errors.New("baldur: missing idempotency key")

	// ErrMissingTenant: IdempotencyConfig.RequireTenant is set and the
	// context carries no tenant (see WithTenant).
	ErrMissingTenant = errors.New("baldur: idempotency tenant required but missing from context")

	// ErrInvalidKey: the key is longer than IdempotencyConfig.MaxKeyBytes,
	// not UTF-8, or holds control characters.
	ErrInvalidKey = errors.New("baldur: invalid idempotency key")

	// ErrIdempotencyStore matches every *StoreError: the idempotency store
	// failed or did not answer in time.
	ErrIdempotencyStore = errors.New("baldur: idempotency store failed")

	// ErrLeaseLost: the record's token changed under its owner, because the
	// lease ended and another caller took the key over. Stores return it
	// from Update and Release; the runtime passes it to the owner's caller.
	ErrLeaseLost = errors.New("baldur: idempotency lease lost to another caller")

	// ErrStoreFull: the memory store holds as many in-flight records as it
	// may, and it never evicts them, so it cannot accept another claim.
	ErrStoreFull = errors.New("baldur: idempotency memory store is full of in-flight records")

	// ErrCodec: arguments or a result could not be encoded, or a stored
	// result could not be decoded. A result that ran but cannot be encoded
	// is stored as a permanent failure, so a duplicate cannot repeat the
	// side effect.
	ErrCodec = errors.New("baldur: idempotency codec failed")
)

// errInconsistentState: the store refused a claim, then showed no live
// record, as many times in a row as the runtime tries.
var errInconsistentState = errors.New("baldur: idempotency store claim and read disagree")

// StoreError reports a failed store operation. It matches
// ErrIdempotencyStore and unwraps to the cause (a driver error,
// context.DeadlineExceeded for the per-operation timeout, ErrStoreFull...).
type StoreError struct {
	Op  string // claim, get, complete, renew or release
	Err error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("baldur: idempotency store %s: %v", e.Op, e.Err)
}

func (e *StoreError) Is(target error) bool { return target == ErrIdempotencyStore }
func (e *StoreError) Unwrap() error        { return e.Err }

// StoredError is what a duplicate gets back for a call whose first run
// failed with a permanent error: the original error's message, since the
// error value itself cannot cross a store. It unwraps to nothing.
type StoredError struct {
	Message string
}

func (e *StoredError) Error() string { return e.Message }

// PanicError carries a panic out of an idempotent call. Every caller still
// waiting for the call panics with it; the record is released. When no
// caller waits any more, the runtime reports it as EventLostPanic.
type PanicError struct {
	Value any // what the call panicked with
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("baldur: idempotent call panicked: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap is Value when it is an error, so errors.Is and errors.As reach it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

var errGoexit = errors.New("baldur: idempotent call ended with runtime.Goexit")

// ArgumentsError: the arguments of an idempotent call could not be
// encoded for its fingerprint (NaN, an infinity, a value encoding/json
// refuses). It is the caller's mistake: nothing ran, and no fallback
// answers for it. It matches ErrCodec and unwraps to the encoder's error.
type ArgumentsError struct {
	Policy string
	Err    error
}

func (e *ArgumentsError) Error() string {
	return fmt.Sprintf("baldur: %s: idempotency: arguments cannot be encoded: %v", e.Policy, e.Err)
}

func (e *ArgumentsError) Is(target error) bool {
	return target == ErrCodec || target == errCallerMistake
}
func (e *ArgumentsError) Unwrap() error { return e.Err }

// errCallerMistake marks errors of the caller that are not sentinels.
var errCallerMistake = errors.New("baldur: the caller's mistake")

// ErrNotRecorded matches every *NotRecordedError.
var ErrNotRecorded = errors.New("baldur: idempotent call ran but its result is not recorded")

// NotRecordedError: the method ran and succeeded, but its result could not
// be recorded, because the store failed (after retries within the store
// timeout) or another caller took the key over (ErrLeaseLost). The caller
// gets the real results beside it, and no fallback answers for it: the
// side effect happened. Duplicates in this process get the same results;
// in another process, once the lease ends, the method may run again.
// It unwraps to the cause: a *StoreError (so it also matches
// ErrIdempotencyStore) or ErrLeaseLost.
type NotRecordedError struct {
	Policy string
	Err    error
}

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("baldur: %s: the call ran, but its result is not recorded: %v", e.Policy, e.Err)
}

func (e *NotRecordedError) Is(target error) bool { return target == ErrNotRecorded }
func (e *NotRecordedError) Unwrap() error        { return e.Err }

// methodRan reports whether err means the method ran: its effect happened
// although the call returns an error, so no fallback or dead-letter capture
// may answer for it.
func methodRan(err error) bool { return errors.Is(err, ErrNotRecorded) }
