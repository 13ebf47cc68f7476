package pgstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	baldur "github.com/baldur-go/baldur/runtime"
)

// PostgreSQL keeps microseconds. An instant that makes a letter claimable
// (its next replay, the end of a lease) is rounded up, so a letter is
// never claimed early; now is rounded down by the driver.
func ceilMicro(t time.Time) time.Time {
	if r := t.Truncate(time.Microsecond); r.Before(t) {
		return r.Add(time.Microsecond)
	}
	return t
}

const (
	maxIDLen     = 256
	maxPolicyLen = 1024
	maxClaim     = 1000
)

// Put adds l in one INSERT. A letter whose ID is already stored is left
// as it is and Put returns nil. On ErrDeadLetterTimeout or a lost
// connection the INSERT may have committed; a Put retried with the same
// letter is then a no-op.
func (s *DeadLetterStore) Put(ctx context.Context, l baldur.StoredLetter) error {
	switch {
	case l.ID == "" || len(l.ID) > maxIDLen:
		return invalidLetter("letter ID must be 1 to %d bytes, not %d", maxIDLen, len(l.ID))
	case l.Policy == "" || len(l.Policy) > maxPolicyLen:
		return invalidLetter("letter policy must be 1 to %d bytes, not %d", maxPolicyLen, len(l.Policy))
	}
	fields := l.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	return s.do(ctx, "put", func(ctx context.Context, q dlQuerier) error {
		tag, err := q.Exec(ctx, s.sql.put, l.ID, l.Policy, l.Method, l.Key, fields, l.Err, l.Attempts, l.Replays,
			l.Reason, l.Signature, l.Body, l.Created, l.LastFailed, ceilMicro(l.NextReplay), s.maxLetters)
		if err != nil || tag.RowsAffected() == 1 || s.maxLetters == 0 {
			return err
		}
		// Nothing inserted: the letter was there already, or the table is full.
		var there bool
		if err := q.QueryRow(ctx, s.sql.exists, l.ID).Scan(&there); err != nil {
			return err
		}
		if !there {
			return baldur.ErrDeadLettersFull
		}
		return nil
	})
}

func (s *DeadLetterStore) Claim(ctx context.Context, r baldur.ClaimRequest) ([]baldur.StoredLetter, error) {
	if r.Lease <= 0 {
		return nil, invalidLetter("claim lease must be positive, not %v", r.Lease)
	}
	max := min(r.Max, maxClaim)
	if max <= 0 || len(r.Policies) == 0 {
		return nil, nil
	}
	policies := slices.Compact(slices.Sorted(slices.Values(r.Policies)))
	stmt := s.sql.claimDue
	if r.Anytime {
		stmt = s.sql.claimAny
	}
	var out []baldur.StoredLetter
	var was []time.Time
	err := s.do(ctx, "claim", func(ctx context.Context, q dlQuerier) error {
		out, was = out[:0], was[:0]
		rows, err := q.Query(ctx, stmt, policies, r.Now, max, ceilMicro(r.Now.Add(r.Lease)))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at time.Time
			l, err := scanLetter(rows, &at)
			if err != nil {
				return err
			}
			out, was = append(out, l), append(was, at)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING has no order: oldest-visible first, as claimed.
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(was[a].Compare(was[b]), cmp.Compare(out[a].ID, out[b].ID)) })
	sorted := make([]baldur.StoredLetter, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, nil
}

func (s *DeadLetterStore) ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (baldur.StoredLetter, bool, error) {
	if lease <= 0 {
		return baldur.StoredLetter{}, false, invalidLetter("claim lease must be positive, not %v", lease)
	}
	return s.oneLetter(ctx, "claim", s.sql.claimID, id, now, ceilMicro(now.Add(lease)))
}

func (s *DeadLetterStore) Reschedule(ctx context.Context, id, token string, u baldur.LetterUpdate) error {
	return s.do(ctx, "reschedule", func(ctx context.Context, q dlQuerier) error {
		return oneRow(q.Exec(ctx, s.sql.reschedule, id, token, u.Body, u.LastFailed, u.Park, u.Reason, ceilMicro(u.NextReplay)))
	})
}

// oneRow turns "no row matched the token" into ErrLeaseLost.
func oneRow(tag interface{ RowsAffected() int64 }, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return baldur.ErrLeaseLost
	}
	return nil
}

func (s *DeadLetterStore) Requeue(ctx context.Context, id string, now time.Time) error {
	return s.do(ctx, "requeue", func(ctx context.Context, q dlQuerier) error {
		tag, err := q.Exec(ctx, s.sql.requeue, id, now)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var there bool
		if err := q.QueryRow(ctx, s.sql.exists, id).Scan(&there); err != nil {
			return err
		}
		if there {
			return baldur.ErrLeaseLost
		}
		return baldur.ErrNoLetter
	})
}

func (s *DeadLetterStore) Drop(ctx context.Context, id string) error {
	return s.do(ctx, "drop", func(ctx context.Context, q dlQuerier) error {
		tag, err := q.Exec(ctx, s.sql.drop, id)
		if err == nil && tag.RowsAffected() == 0 {
			return baldur.ErrNoLetter
		}
		return err
	})
}

func (s *DeadLetterStore) Get(ctx context.Context, id string) (baldur.StoredLetter, bool, error) {
	return s.oneLetter(ctx, "get", s.sql.get, id)
}

// oneLetter runs a statement that returns one letter or none (false).
func (s *DeadLetterStore) oneLetter(ctx context.Context, op, sql string, args ...any) (baldur.StoredLetter, bool, error) {
	var l baldur.StoredLetter
	var ok bool
	err := s.do(ctx, op, func(ctx context.Context, q dlQuerier) (err error) {
		l, err = scanLetter(q.QueryRow(ctx, sql, args...), nil)
		ok = err == nil
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	if err != nil || !ok {
		return baldur.StoredLetter{}, false, err
	}
	return l, true, nil
}

func (s *DeadLetterStore) List(ctx context.Context, f baldur.LetterFilter) ([]baldur.StoredLetter, error) {
	limit := f.MaxLetters()
	var out []baldur.StoredLetter
	err := s.do(ctx, "list", func(ctx context.Context, q dlQuerier) error {
		out = out[:0]
		rows, err := q.Query(ctx, s.sql.list, f.Policy, int16(f.State), f.After, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scanLetter(rows, nil)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *DeadLetterStore) Counts(ctx context.Context) ([]baldur.LetterCount, error) {
	var out []baldur.LetterCount
	err := s.do(ctx, "counts", func(ctx context.Context, q dlQuerier) error {
		out = out[:0]
		rows, err := q.Query(ctx, s.sql.counts)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c baldur.LetterCount
			var state int16
			var n int64
			if err := rows.Scan(&c.Policy, &state, &n); err != nil {
				return err
			}
			c.State, c.N = baldur.LetterState(state), int(n)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanLetter reads the columns of dlColumns, after the claim's visible_at
// when at is not nil.
func scanLetter(row pgx.Row, at *time.Time) (baldur.StoredLetter, error) {
	var (
		l     baldur.StoredLetter
		state int16
		dest  = []any{&l.ID, &l.Policy, &l.Method, &l.Key, &l.Fields, &l.Err, &l.Attempts, &l.Replays, &state, &l.Reason,
			&l.Signature, &l.Body, &l.Token, &l.LeaseUntil, &l.Created, &l.LastFailed, &l.NextReplay}
	)
	if at != nil {
		dest = append([]any{at}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return baldur.StoredLetter{}, err
	}
	l.State = baldur.LetterState(state)
	if len(l.Fields) == 0 {
		l.Fields = nil
	}
	for _, t := range []*time.Time{&l.LeaseUntil, &l.Created, &l.LastFailed, &l.NextReplay} {
		*t = t.UTC()
	}
	return l, nil
}
