package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Limits on what a letter's keys may be: bbolt keys are at most 32 KiB,
// and an ID or a policy name is never meant to be long.
const (
	maxIDLen     = 256
	maxPolicyLen = 1024
	// maxClaim caps ClaimRequest.Max: one claim is one transaction.
	maxClaim = 1000
)

// ErrInvalid matches the errors of calls the store refuses to run (an
// empty or too long ID or policy, a lease that is not positive).
var ErrInvalid = errors.New("boltstore: invalid request")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Put adds l once its commit is on disk. A letter whose ID is already
// stored is left as it is and Put returns nil, so a Put retried after an
// unclear failure never duplicates or resets a letter.
func (s *Store) Put(ctx context.Context, l baldur.StoredLetter) error {
	switch {
	case l.ID == "" || len(l.ID) > maxIDLen:
		return invalid("letter ID must be 1 to %d bytes, not %d", maxIDLen, len(l.ID))
	case l.Policy == "" || len(l.Policy) > maxPolicyLen:
		return invalid("letter policy must be 1 to %d bytes, not %d", maxPolicyLen, len(l.Policy))
	}
	// The copy is made before Put returns: the caller may reuse its slices
	// and map at once (bbolt itself must not see them change during a
	// commit either).
	c := l
	c.Body, c.Fields = bytes.Clone(l.Body), maps.Clone(l.Fields)
	c.State, c.Token, c.LeaseUntil = baldur.LetterPending, "", time.Time{}
	v := encode(&c)
	return s.write(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketLetters).Get([]byte(c.ID)) != nil {
			return nil
		}
		counts := tx.Bucket(bucketCounts)
		if counter(counts, keyLetters)+1 > int64(s.opts.maxLetters) ||
			counter(counts, keyBytes)+size(c.ID, v) > s.opts.maxBytes {
			return refuse(baldur.ErrDeadLettersFull)
		}
		return save(tx, nil, &c)
	})
}

// candidate is a claimable letter found in a policy's due bucket.
type candidate struct {
	at time.Time
	id string
}

func (s *Store) Claim(ctx context.Context, r baldur.ClaimRequest) ([]baldur.StoredLetter, error) {
	if r.Lease <= 0 {
		return nil, invalid("claim lease must be positive, not %v", r.Lease)
	}
	max := min(r.Max, maxClaim)
	if max <= 0 || len(r.Policies) == 0 {
		return nil, ctx.Err()
	}
	policies := slices.Compact(slices.Sorted(slices.Values(r.Policies)))
	var out []baldur.StoredLetter
	err := s.write(ctx, func(tx *bolt.Tx) error {
		out = out[:0]
		var found []candidate
		for _, p := range policies {
			found = append(found, dueIn(tx, p, r.Now, r.Anytime, max)...)
		}
		slices.SortFunc(found, func(a, b candidate) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id)) })
		for _, c := range found[:min(len(found), max)] {
			l, err := s.lease(tx, c.id, r.Now, r.Lease)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dueIn lists up to max claimable letters of a policy, the longest
// claimable first. Without anytime it reads only due keys: each key's time
// is when its letter may be claimed, so the scan stops at the first one
// after now.
func dueIn(tx *bolt.Tx, policy string, now time.Time, anytime bool, max int) []candidate {
	b := tx.Bucket(bucketDue).Bucket([]byte(policy))
	if b == nil {
		return nil
	}
	var out []candidate
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
		at := keyTime(k)
		if at.After(now) {
			if !anytime {
				break
			}
			if len(v) == timeKeyLen && keyTime(v).After(now) {
				continue // leased
			}
		}
		out = append(out, candidate{at: at, id: string(k[timeKeyLen:])})
	}
	return out
}

// lease gives the letter id a new token and lease and counts the replay.
func (s *Store) lease(tx *bolt.Tx, id string, now time.Time, d time.Duration) (baldur.StoredLetter, error) {
	old, err := load(tx, id)
	if err != nil {
		return baldur.StoredLetter{}, err
	}
	if old == nil {
		return baldur.StoredLetter{}, fmt.Errorf("boltstore: index names letter %q, which is missing", id)
	}
	l := *old
	l.Token, l.LeaseUntil = rand.Text(), now.Add(d)
	l.Replays++
	if err := save(tx, old, &l); err != nil {
		return baldur.StoredLetter{}, err
	}
	return l, nil
}

func held(l *baldur.StoredLetter, now time.Time) bool {
	return l.Token != "" && l.LeaseUntil.After(now)
}

func (s *Store) ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (baldur.StoredLetter, bool, error) {
	if lease <= 0 {
		return baldur.StoredLetter{}, false, invalid("claim lease must be positive, not %v", lease)
	}
	var out baldur.StoredLetter
	var ok bool
	err := s.write(ctx, func(tx *bolt.Tx) error {
		out, ok = baldur.StoredLetter{}, false
		l, err := load(tx, id)
		if err != nil || l == nil || held(l, now) {
			return err
		}
		out, err = s.lease(tx, id, now, lease)
		ok = err == nil
		return err
	})
	if err != nil {
		return baldur.StoredLetter{}, false, err
	}
	return out, ok, nil
}

// holder returns the letter id when token is its current token.
func holder(tx *bolt.Tx, id, token string) (*baldur.StoredLetter, error) {
	l, err := load(tx, id)
	if err != nil {
		return nil, err
	}
	if l == nil || token == "" || l.Token != token {
		return nil, refuse(baldur.ErrLeaseLost)
	}
	return l, nil
}

func (s *Store) Ack(ctx context.Context, id, token string) error {
	return s.write(ctx, func(tx *bolt.Tx) error {
		l, err := holder(tx, id, token)
		if err != nil {
			return err
		}
		return save(tx, l, nil)
	})
}

func (s *Store) Reschedule(ctx context.Context, id, token string, u baldur.LetterUpdate) error {
	body := bytes.Clone(u.Body)
	return s.write(ctx, func(tx *bolt.Tx) error {
		old, err := holder(tx, id, token)
		if err != nil {
			return err
		}
		l := *old
		l.Body, l.LastFailed, l.Token, l.LeaseUntil = body, u.LastFailed, "", time.Time{}
		if u.Park {
			l.State, l.Reason = baldur.LetterParked, u.Reason
		} else {
			l.NextReplay = u.NextReplay
		}
		return save(tx, old, &l)
	})
}

func (s *Store) Requeue(ctx context.Context, id string, now time.Time) error {
	return s.write(ctx, func(tx *bolt.Tx) error {
		old, err := load(tx, id)
		switch {
		case err != nil:
			return err
		case old == nil:
			return refuse(baldur.ErrNoLetter)
		case held(old, now):
			return refuse(baldur.ErrLeaseLost)
		}
		l := *old
		l.State, l.Reason, l.Replays, l.NextReplay, l.Token, l.LeaseUntil = baldur.LetterPending, "", 0, now, "", time.Time{}
		return save(tx, old, &l)
	})
}

func (s *Store) Drop(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *bolt.Tx) error {
		l, err := load(tx, id)
		switch {
		case err != nil:
			return err
		case l == nil:
			return refuse(baldur.ErrNoLetter)
		}
		return save(tx, l, nil)
	})
}
