package baldur

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// claimLocal is execute's claim on a LocalStore, for a key without a
// local flight, called with e.mu held at now. The claim is made right
// here, on the caller's goroutine and under the lock, which is cheap
// because the store neither blocks nor does I/O, and makes "no local
// flight on the key" and the claim one step: a stored result (or a
// failure) is answered without a flight or a goroutine. Otherwise execute
// starts a flight: with token set when the key is claimed, to run the
// call (the first caller must be able to leave while it runs), or without
// one to wait for another engine sharing the store.
//
// fp is the fingerprint of args on a local store other than a MemoryStore,
// which keeps the arguments instead; it is returned for the flight, and,
// on a MemoryStore, the entry claimed.
func (e *idemEngine) claimLocal(ctx context.Context, key recKey, args *callArgs, fp string, now *lazyNow) (res result, answered bool, token, flightFP string, ent *memEntry) {
	mine := IdempotencyRecord{State: RecordInFlight, Fingerprint: fp, Expires: e.leaseEndAt(now)}
	var (
		cur     IdempotencyRecord
		same    bool
		memo    any
		claimed bool
		err     error
	)
	if e.mem != nil {
		cur, same, memo, claimed, ent, err = e.mem.claim(key, mine, args, now)
		if claimed {
			mine.Token = cur.Token // the store drew it
		}
	} else {
		mine.Token = localToken()
		// Detached, as the flight's store calls are: the caller's
		// cancellation is answered by await, not by a failed claim.
		cur, claimed, err = e.store.Claim(context.WithoutCancel(ctx), key.id, mine, now.get())
		same = cur.Fingerprint == fp
	}
	switch {
	case err != nil:
		return result{err: e.storeErr("claim", err)}, true, "", "", nil
	case claimed:
		return result{}, false, mine.Token, fp, ent
	case cur.State != RecordInFlight && cur.State != 0 && cur.Live(now.get()):
		e.stored(&res, &key, same, cur.State, cur.Value, cur.Token, memo)
		return res, true, "", "", nil
	}
	return result{}, false, "", fp, nil // held elsewhere, or a claim/read disagreement
}

// stored answers a caller, in res, from a finished record found at claim
// time, in state with val, written with token; same says whether the
// record is for the caller's arguments. It writes in place, as the hit
// path is measured in copies of these structs.
func (e *idemEngine) stored(res *result, key *recKey, same bool, state RecordState, val []byte, token string, memo any) {
	res.settled = true
	if !same {
		e.event(EventKeyReused)
		res.err = ErrKeyReused
		return
	}
	switch state {
	case RecordCompleted:
		e.event(EventDuplicate)
		res.val = val
		if e.mem != nil {
			res.memo, res.key, res.token = memo, *key, token
		}
	case RecordFailed:
		e.event(EventDuplicate)
		res.err = &StoredError{Message: string(val)}
	default:
		res.err = &StoreError{Op: "claim", Err: fmt.Errorf("%w: record in state %v", errInconsistentState, state)}
	}
}

// heldUntil is when a claim on a local store ends when renewal is on:
// never while the call runs, since the store cannot outlive its owner.
var heldUntil = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// held reports whether e's claims are held until their call ends.
func (e *idemEngine) held() bool { return e.local && e.cfg.RenewEvery >= 0 }

// leaseEnd is when a claim made at now ends unless renewed.
func (e *idemEngine) leaseEnd(now time.Time) time.Time {
	if e.held() {
		return heldUntil
	}
	return now.Add(e.cfg.Lease)
}

// leaseEndAt is leaseEnd, reading now only if it needs it.
func (e *idemEngine) leaseEndAt(now *lazyNow) time.Time {
	if e.held() {
		return heldUntil
	}
	return now.get().Add(e.cfg.Lease)
}

// tokenAlphabet is crypto/rand.Text's: tokens look the same from both
// sources.
const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// localToken is a claim token of 26 characters of [A-Z2-7] (130 bits) from
// math/rand/v2, whose per-thread ChaCha8 state makes it unique without a
// system call.
func localToken() string {
	var b [26]byte
	x := rand.Uint64()
	for i := range b {
		if i == 12 || i == 24 {
			x = rand.Uint64()
		}
		b[i] = tokenAlphabet[x&31]
		x >>= 5
	}
	return string(b[:])
}
