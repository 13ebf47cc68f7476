package baldur

import (
	"context"
	"errors"
	"time"
)

// LetterState is where a dead letter is in its life.
type LetterState int

const (
	// LetterPending letters wait for a replay: on their schedule, when
	// their policy's breaker closes again, or on Runtime.Replay.
	LetterPending LetterState = iota + 1
	// LetterParked letters spent their replays, or cannot be replayed
	// (their method's signature changed): only an operator moves them.
	LetterParked
)

var letterStateNames = []string{LetterPending: "pending", LetterParked: "parked"}

func (s LetterState) String() string { return enumString(letterStateNames, s) }

// Letter is a captured call as an operator sees it. A letter whose replay
// succeeded, or that an operator dropped, leaves the queue.
type Letter struct {
	ID, Policy, Method, Key string
	// Fields are the call's PolicyContext fields when it was captured.
	Fields map[string]string
	// Err is the final error of the call, then of its latest replay.
	Err string
	// Attempts the call made before it was captured; Replays since.
	Attempts, Replays int
	State             LetterState
	// Reason says why a parked letter is parked.
	Reason                          string
	Created, LastFailed, NextReplay time.Time
}

// StoredLetter is a letter as a DeadLetterStore keeps it: the Letter's
// plain fields, which stores index and operators read, and Body, the
// encoded arguments and error text, which only the runtime reads (sealed
// when a Sealer is configured, so a store never holds them in clear).
type StoredLetter struct {
	Letter
	// Signature identifies the method's parameter types; a letter whose
	// signature no longer matches the code is parked, never decoded.
	Signature string
	// Body is the runtime's envelope of the arguments and the error text.
	// Letter.Err is empty in a stored letter: the text is in Body.
	Body []byte
	// Token and LeaseUntil are set by Claim: the holder of Token may Ack
	// or Reschedule the letter until LeaseUntil; after that another claim
	// may take it over and the old token is fenced off.
	Token      string
	LeaseUntil time.Time
}

// LetterFilter selects letters for List. Zero fields match everything.
type LetterFilter struct {
	Policy string
	State  LetterState
	// Limit caps the letters returned; 0 means 100, at most 1000. After
	// continues a listing after the letter with that ID.
	Limit int
	After string
}

// MaxLetters is how many letters a List with f returns at most: Limit,
// 100 when it is not positive, never more than 1000. Every store applies
// it.
func (f LetterFilter) MaxLetters() int {
	switch {
	case f.Limit <= 0:
		return 100
	case f.Limit > 1000:
		return 1000
	}
	return f.Limit
}

// ClaimRequest says which letters Claim may lease.
type ClaimRequest struct {
	// Policies are the policies whose letters may be claimed: those this
	// runtime has replay handlers for. Empty claims none.
	Policies []string
	Now      time.Time
	Lease    time.Duration
	Max      int
	// Anytime claims pending letters whatever their NextReplay
	// (Runtime.Replay); otherwise only those due at Now.
	Anytime bool
}

// LetterUpdate is what Reschedule records after a failed replay.
type LetterUpdate struct {
	Body       []byte // the envelope with the replay's error
	LastFailed time.Time
	// Park parks the letter with Reason; otherwise it stays pending until
	// NextReplay.
	Park       bool
	Reason     string
	NextReplay time.Time
}

// LetterCount is how many letters a policy has in a state.
type LetterCount struct {
	Policy string
	State  LetterState
	N      int
}

// DeadLetterStore keeps dead letters durably. Implementations must be safe
// for concurrent use, and several runtimes (replicas) may share one;
// package storetest's dead-letter suite checks a store against this
// contract. Every decision about time uses the now it is given.
type DeadLetterStore interface {
	// Put adds l (State pending, no lease). When Put returns nil the letter
	// survives a crash of the process. A Put of an ID already stored
	// changes nothing and returns nil, so a Put retried after an unclear
	// failure neither duplicates nor resets a letter. A full store returns
	// an error matching ErrDeadLettersFull and stores nothing; after another
	// error (a lost answer to a commit) the letter may be stored.
	Put(ctx context.Context, l StoredLetter) error
	// Claim leases up to r.Max pending letters of r.Policies that are due
	// (or any, with r.Anytime) and not leased at r.Now: each gets a fresh
	// Token, LeaseUntil = r.Now + r.Lease, and Replays + 1, counted at the
	// claim so that a replay that crashes its process still counts. Two
	// claims never get one letter while its lease lives. Oldest due first:
	// by the instant the letter became claimable (its NextReplay, or the end
	// of an expired lease), then ID. A lease of zero or less is an error.
	Claim(ctx context.Context, r ClaimRequest) ([]StoredLetter, error)
	// ClaimID leases the letter id, pending or parked, whatever its
	// schedule, unless another claim holds it: for an operator's replay.
	ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (StoredLetter, bool, error)
	// Ack removes a letter whose replay succeeded. ErrLeaseLost when token
	// is not the letter's current token (its lease was taken over, or an
	// operator dropped it).
	Ack(ctx context.Context, id, token string) error
	// Reschedule records a failed replay of a claimed letter and ends its
	// lease; ErrLeaseLost unless token is the letter's current token.
	Reschedule(ctx context.Context, id, token string, u LetterUpdate) error
	// Get returns a letter, and whether there is one.
	Get(ctx context.Context, id string) (StoredLetter, bool, error)
	// List returns the letters f selects, oldest first (by Created, then
	// ID).
	List(ctx context.Context, f LetterFilter) ([]StoredLetter, error)
	// Requeue makes a parked letter pending again, due at now, with its
	// replays counted from 0. A letter held by a claim is left alone
	// (ErrLeaseLost).
	Requeue(ctx context.Context, id string, now time.Time) error
	// Drop removes a letter, whatever its state; its current holder's Ack
	// then gets ErrLeaseLost.
	Drop(ctx context.Context, id string) error
	// Counts reports the letters per policy and state.
	Counts(ctx context.Context) ([]LetterCount, error)
}

var (
	// ErrDeadLettered matches the error a call gets when it failed for good
	// and was captured for replay: the fallback receives it, so it can
	// honestly say "queued". It unwraps to the call's own error.
	ErrDeadLettered = errors.New("baldur: call captured as a dead letter for replay")
	// ErrDeadLettersFull: the dead-letter store is at its retention bound
	// and took nothing; the call was not captured.
	ErrDeadLettersFull = errors.New("baldur: dead-letter store is full")
	// ErrNoLetter: no letter has that ID.
	ErrNoLetter = errors.New("baldur: no such dead letter")
)
