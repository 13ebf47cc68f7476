package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"
)

// Seams for the package's own failure tests.

// DB is the store's bbolt handle.
func (s *Store) DB() *bolt.DB { return s.db }

// Waiting is the writes queued for the committer.
func (s *Store) Waiting() int64 { return s.waiting.Load() }

// SetUpdate replaces how the committer runs a write transaction. Call it
// before any write.
func (s *Store) SetUpdate(f func(db *bolt.DB, fn func(*bolt.Tx) error) error) {
	s.update = func(fn func(*bolt.Tx) error) error { return f(s.db, fn) }
}

// WriteRaw queues fn as a write, as Put does.
func (s *Store) WriteRaw(ctx context.Context, fn func(*bolt.Tx) error) error { return s.write(ctx, fn) }

// Refuse wraps err as a refusal.
func Refuse(err error) error { return refuse(err) }
