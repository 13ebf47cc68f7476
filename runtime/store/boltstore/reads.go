package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Reads run in bbolt read transactions, beside the committer: they see the
// last commit and never wait for one.

// view runs fn unless ctx is done or the store is closed.
func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.View(fn)
}

func (s *Store) Get(ctx context.Context, id string) (baldur.StoredLetter, bool, error) {
	var l *baldur.StoredLetter
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		l, err = load(tx, id)
		return err
	})
	if err != nil || l == nil {
		return baldur.StoredLetter{}, false, err
	}
	return *l, true, nil
}

// List walks the letters by Created and ID, reading each index entry's
// state and policy so that only the letters it returns are decoded.
func (s *Store) List(ctx context.Context, f baldur.LetterFilter) ([]baldur.StoredLetter, error) {
	limit := f.MaxLetters()
	var out []baldur.StoredLetter
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCreated).Cursor()
		k, v := c.First()
		if f.After != "" {
			after, err := load(tx, f.After)
			if err != nil || after == nil {
				return err // after a letter that is gone: nothing, as a cursor past its end
			}
			from := createdKey(after)
			if k, v = c.Seek(from); bytes.Equal(k, from) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			if len(v) < 1 || (f.State != 0 && baldur.LetterState(v[0]) != f.State) ||
				(f.Policy != "" && string(v[1:]) != f.Policy) {
				continue
			}
			l, err := load(tx, string(k[timeKeyLen:]))
			if err != nil {
				return err
			}
			if l != nil {
				out = append(out, *l)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) Counts(ctx context.Context) ([]baldur.LetterCount, error) {
	var out []baldur.LetterCount
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCounts).Cursor()
		prefix := []byte{'c'}
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) < 2 {
				continue
			}
			out = append(out, baldur.LetterCount{Policy: string(k[2:]), State: baldur.LetterState(k[1]), N: int(counter(tx.Bucket(bucketCounts), k))})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Keys sort by state then policy; the runtime's order is policy, state.
	sortCounts(out)
	return out, nil
}

func sortCounts(cs []baldur.LetterCount) {
	slices.SortFunc(cs, func(a, b baldur.LetterCount) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.State, b.State))
	})
}
