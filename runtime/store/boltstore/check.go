package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Check verifies the file: bbolt's own consistency check (pages, free
// list, B+tree order), then that every letter decodes and that the
// indexes and counters say exactly what the letters say. It runs as a
// write, so no commit happens meanwhile; it reads the whole file.
func (s *Store) Check(ctx context.Context) error {
	var errs []error
	err := s.write(ctx, func(tx *bolt.Tx) error {
		errs = CheckTx(tx)
		return refuse(errChecked) // nothing to commit
	})
	if !errors.Is(err, errChecked) {
		return err
	}
	return errors.Join(errs...)
}

var errChecked = errors.New("checked")

// CheckTx is Check on a transaction of a file this package wrote, for a
// file opened without a Store (read-only, after a crash).
func CheckTx(tx *bolt.Tx) []error {
	var errs []error
	for err := range tx.Check() {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errs
	}
	for _, b := range [][]byte{bucketLetters, bucketDue, bucketCreated, bucketCounts} {
		if tx.Bucket(b) == nil {
			return []error{fmt.Errorf("boltstore: bucket %q missing", b)}
		}
	}
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("boltstore: "+format, args...)) }
	var n, bytesHeld int64
	counts := map[string]int64{}
	due := map[string]bool{}     // policy \x00 key, as the letters say
	created := map[string]bool{} // key
	_ = tx.Bucket(bucketLetters).ForEach(func(k, v []byte) error {
		l, err := decode(v)
		if err != nil || l.ID != string(k) {
			bad("letter %q: does not decode to itself (%v)", k, err)
			return nil
		}
		n++
		bytesHeld += size(l.ID, v)
		counts[string(countKey(l.State, l.Policy))]++
		if l.State == baldur.LetterPending {
			due[l.Policy+"\x00"+string(dueKey(&l))] = true
			b, key := tx.Bucket(bucketDue).Bucket([]byte(l.Policy)), dueKey(&l)
			if b == nil || !has(b, key) || !bytes.Equal(b.Get(key), dueValue(&l)) {
				bad("letter %q: due index entry missing or wrong", l.ID)
			}
		}
		created[string(createdKey(&l))] = true
		if !bytes.Equal(tx.Bucket(bucketCreated).Get(createdKey(&l)), createdValue(&l)) {
			bad("letter %q: created index entry missing or wrong", l.ID)
		}
		return nil
	})
	_ = tx.Bucket(bucketDue).ForEachBucket(func(p []byte) error {
		return tx.Bucket(bucketDue).Bucket(p).ForEach(func(k, _ []byte) error {
			if !due[string(p)+"\x00"+string(k)] {
				bad("due index of %q: entry %x names no pending letter", p, k)
			}
			return nil
		})
	})
	_ = tx.Bucket(bucketCreated).ForEach(func(k, _ []byte) error {
		if !created[string(k)] {
			bad("created index: entry %x names no letter", k)
		}
		return nil
	})
	c := tx.Bucket(bucketCounts)
	if got := counter(c, keyLetters); got != n {
		bad("letters counter %d, letters %d", got, n)
	}
	if got := counter(c, keyBytes); got != bytesHeld {
		bad("bytes counter %d, bytes %d", got, bytesHeld)
	}
	_ = c.ForEach(func(k, _ []byte) error {
		if len(k) > 0 && k[0] == 'c' && counter(c, k) != counts[string(k)] {
			bad("counter %q: %d, letters %d", k, counter(c, k), counts[string(k)])
		}
		delete(counts, string(k))
		return nil
	})
	for k, v := range counts {
		bad("counter %q missing (%d letters)", k, v)
	}
	return errs
}

// has reports whether k is in b (Get cannot tell a missing key from an
// empty value).
func has(b *bolt.Bucket, k []byte) bool {
	got, _ := b.Cursor().Seek(k)
	return bytes.Equal(got, k)
}
