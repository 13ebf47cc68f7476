package boltstore

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Buckets. letters: ID → encoded letter (the only place Body is written).
// due: a bucket per policy, (visible time | ID) → lease end, for pending
// letters only. created: (Created | ID) → state and policy, for List.
// counts: "n" letters, "b" bytes, and state | policy → letters.
var (
	bucketLetters = []byte("letters")
	bucketDue     = []byte("due")
	bucketCreated = []byte("created")
	bucketCounts  = []byte("counts")
	keyLetters    = []byte("n")
	keyBytes      = []byte("b")
)

func createBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketLetters, bucketDue, bucketCreated, bucketCounts} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// visible is when a pending letter may next be claimed: when it is due and
// no lease holds it.
func visible(l *baldur.StoredLetter) time.Time {
	if l.Token != "" && l.LeaseUntil.After(l.NextReplay) {
		return l.LeaseUntil
	}
	return l.NextReplay
}

func dueKey(l *baldur.StoredLetter) []byte {
	return append(timeKey(make([]byte, 0, timeKeyLen+len(l.ID)), visible(l)), l.ID...)
}

// dueValue is the lease's end when a lease is held, so a claim of any
// letter (Anytime) skips leased ones without decoding them.
func dueValue(l *baldur.StoredLetter) []byte {
	if l.Token == "" {
		return nil
	}
	return timeKey(nil, l.LeaseUntil)
}

func createdKey(l *baldur.StoredLetter) []byte {
	return append(timeKey(make([]byte, 0, timeKeyLen+len(l.ID)), l.Created), l.ID...)
}

func createdValue(l *baldur.StoredLetter) []byte {
	return append([]byte{byte(l.State)}, l.Policy...)
}

func countKey(state baldur.LetterState, policy string) []byte {
	return append([]byte{'c', byte(state)}, policy...)
}

// size is what a letter counts against WithMaxBytes.
func size(id string, v []byte) int64 { return int64(len(id) + len(v)) }

// load reads the letter id; nil when there is none.
func load(tx *bolt.Tx, id string) (*baldur.StoredLetter, error) {
	v := tx.Bucket(bucketLetters).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	l, err := decode(v)
	if err != nil {
		return nil, fmt.Errorf("letter %q: %w", id, err)
	}
	return &l, nil
}

// save replaces old with new in the letters bucket and every index: old
// nil adds a letter, new nil removes one. Both describe the same ID.
func save(tx *bolt.Tx, old, new *baldur.StoredLetter) error {
	letters, due, created, counts := tx.Bucket(bucketLetters), tx.Bucket(bucketDue), tx.Bucket(bucketCreated), tx.Bucket(bucketCounts)
	var dn, db int64
	if old != nil {
		if old.State == baldur.LetterPending {
			if b := due.Bucket([]byte(old.Policy)); b != nil {
				if err := b.Delete(dueKey(old)); err != nil {
					return err
				}
			}
		}
		if err := created.Delete(createdKey(old)); err != nil {
			return err
		}
		if err := add(counts, countKey(old.State, old.Policy), -1); err != nil {
			return err
		}
		dn--
		db -= size(old.ID, letters.Get([]byte(old.ID)))
	}
	if new == nil {
		if err := letters.Delete([]byte(old.ID)); err != nil {
			return err
		}
	} else {
		v := encode(new)
		if err := letters.Put([]byte(new.ID), v); err != nil {
			return err
		}
		if new.State == baldur.LetterPending {
			b, err := due.CreateBucketIfNotExists([]byte(new.Policy))
			if err != nil {
				return err
			}
			if err := b.Put(dueKey(new), dueValue(new)); err != nil {
				return err
			}
		}
		if err := created.Put(createdKey(new), createdValue(new)); err != nil {
			return err
		}
		if err := add(counts, countKey(new.State, new.Policy), 1); err != nil {
			return err
		}
		dn++
		db += size(new.ID, v)
	}
	if err := add(counts, keyLetters, dn); err != nil {
		return err
	}
	return add(counts, keyBytes, db)
}

// add adds d to the counter at k, deleting it at zero.
func add(b *bolt.Bucket, k []byte, d int64) error {
	if d == 0 {
		return nil
	}
	n := counter(b, k) + d
	if n < 0 {
		return fmt.Errorf("boltstore: counter %q below zero", k)
	}
	if n == 0 {
		return b.Delete(k)
	}
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func counter(b *bolt.Bucket, k []byte) int64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}
