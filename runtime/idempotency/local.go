package idempotency

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// executeLocal is execute on a LocalStore. The claim is made on the
// caller's goroutine with e.mu held, which is cheap because the store
// neither blocks nor does I/O, and makes "no local flight on the key" and
// the claim one step: a stored result is answered right here, without a
// flight or a goroutine. Only a claimed key starts one, to run the call
// (the first caller must be able to leave while it runs), and so does a
// key held by another engine sharing the store, to wait for it.
func (e *Engine) executeLocal(ctx context.Context, policy, key string, args []byte, ttl time.Duration, run runner) result {
	now := e.cfg.Clock.Now()
	mine := Record{State: StateInFlight, Expires: e.leaseEnd(now)}
	if e.mem == nil {
		mine.Token, mine.Fingerprint = localToken(), fingerprint(args)
	}
	e.mu.Lock()
	if f := e.flights[key]; f != nil {
		err := e.joinLocked(f, args)
		e.mu.Unlock()
		if err != nil {
			return result{err: err}
		}
		return e.await(ctx, f, false)
	}
	var (
		cur     Record
		curArgs []byte
		memo    any
		claimed bool
		err     error
	)
	if e.mem != nil {
		cur, curArgs, memo, claimed, err = e.mem.claim(key, mine, args, now)
	} else {
		// Detached, as the flight's store calls are: the caller's
		// cancellation is answered by await, not by a failed claim.
		cur, claimed, err = e.store.Claim(context.WithoutCancel(ctx), key, mine, now)
	}
	if err != nil {
		e.mu.Unlock()
		return result{err: e.storeErr("claim", err)}
	}
	if !claimed && cur.Live(now) && cur.State != StateInFlight {
		e.mu.Unlock()
		same := bytes.Equal(curArgs, args)
		if curArgs == nil {
			same = cur.Fingerprint == fingerprint(args)
		}
		return e.stored(policy, key, same, cur, memo)
	}
	f := newFlight(ctx, policy, key, args, ttl, run, e.cfg.InFlightWait != 0)
	f.fp = mine.Fingerprint
	if claimed {
		f.token = cur.Token // the store may have drawn it
		if e.mem == nil {
			f.token = mine.Token
		}
	}
	e.flights[key] = f
	e.mu.Unlock()
	go e.fly(f)
	return e.await(ctx, f, true)
}

// stored answers a caller from a finished record found at claim time;
// same says whether the record is for the caller's arguments.
func (e *Engine) stored(policy, key string, same bool, cur Record, memo any) result {
	if !same {
		e.emit(EventKeyReused, policy, key)
		return result{err: ErrKeyReused, settled: true}
	}
	switch cur.State {
	case StateCompleted:
		e.emit(EventHit, policy, key)
		res := result{val: cur.Value, settled: true}
		if e.mem != nil {
			res.memo, res.key, res.token = memo, key, cur.Token
		}
		return res
	case StateFailed:
		e.emit(EventHit, policy, key)
		return result{err: &StoredError{Message: string(cur.Value)}, settled: true}
	}
	return result{err: fmt.Errorf("%w: record in state %v", ErrInconsistentState, cur.State), settled: true}
}

// heldLease is how long a claim on a LocalStore lasts when renewal is on:
// until the call ends, since the store cannot outlive its owner.
const heldLease = time.Duration(1<<63 - 1)

// leaseEnd is when a claim made at now ends unless renewed.
func (e *Engine) leaseEnd(now time.Time) time.Time {
	if e.local && e.cfg.RenewEvery >= 0 {
		return now.Add(heldLease)
	}
	return now.Add(e.cfg.Lease)
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
