// Package pgstore keeps idempotency records in PostgreSQL (pgx v5), for
// engines in several processes that share one database.
//
// One table, created by Migrate, holds a row per store key. A claim is one
// statement that reads the key's row first: a live row (a duplicate) is
// returned without writing anything; otherwise INSERT ... ON CONFLICT DO
// UPDATE ... WHERE the row has expired takes a free or dead key (a
// takeover writes the new owner's token, so the old owner is fenced off),
// and a loser gets the row it read. Complete, renew and release are UPDATE/DELETE ... WHERE
// token = the owner's. Expiry is compared with the engine's now, passed as
// a parameter, never with the database clock. Rows stay after they expire
// until a claim reuses them or Purge deletes them.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	baldur "github.com/baldur-go/baldur/runtime"
)

// DefaultTable is the table's name when WithTable is not used; it is found
// through the connection's search_path.
const DefaultTable = "baldur_idempotency"

// DB is what the store needs from a connection pool: *pgxpool.Pool has it.
// It must be safe for concurrent use (a single *pgx.Conn is not).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is an baldur.IdempotencyStore on a PostgreSQL table.
type Store struct {
	db      DB
	table   pgx.Identifier
	sql     statements
	bounded bool // see WithBoundedByContext
}

var _ baldur.IdempotencyStore = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithTable names the table, schema-qualified when schema is not empty.
func WithTable(schema, table string) Option {
	return func(s *Store) {
		if schema == "" {
			s.table = pgx.Identifier{table}
		} else {
			s.table = pgx.Identifier{schema, table}
		}
	}
}

// WithBoundedByContext promises that db returns from every call by its
// context's deadline, as a *pgxpool.Pool does (pgx cancels a query whose
// context ends, and the pool gives up waiting for a connection). The
// runtime bounds the operations of any store itself, on a goroutine of its
// own; with this promise a caller whose context cannot be cancelled makes
// its call on its own goroutine, which is cheaper. A DB that can block
// past its context's deadline must not make it.
func WithBoundedByContext() Option { return func(s *Store) { s.bounded = true } }

// BoundedByContext reports whether WithBoundedByContext was given.
func (s *Store) BoundedByContext() bool { return s.bounded }

// New returns a Store on db, which the caller keeps and closes. Call
// Migrate once before use.
func New(db DB, opts ...Option) *Store {
	s := &Store{db: db, table: pgx.Identifier{DefaultTable}}
	for _, o := range opts {
		o(s)
	}
	s.sql = build(s.table)
	return s
}

// Migrate creates the table and its index if they do not exist. Concurrent
// calls from several processes are safe: they serialize on an advisory
// lock.
func (s *Store) Migrate(ctx context.Context) error {
	// Without arguments pgx sends this as one simple-protocol message, which
	// PostgreSQL runs in one implicit transaction: the transaction-scoped
	// advisory lock covers both CREATEs.
	if _, err := s.db.Exec(ctx, s.sql.migrate); err != nil {
		return fmt.Errorf("pgstore: migrate %s: %w", s.table.Sanitize(), err)
	}
	return nil
}

func (s *Store) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	var claimed bool
	cur, err := scan(s.db.QueryRow(ctx, s.sql.claim, key, int16(rec.State), rec.Token, rec.Fingerprint, rec.Expires, now), &claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		// The row that beat us was committed after this statement's snapshot
		// was taken, so the read half could not see it; the engine retries.
		return baldur.IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	return cur, claimed, nil
}

func (s *Store) Get(ctx context.Context, key string) (baldur.IdempotencyRecord, bool, error) {
	rec, err := scan(s.db.QueryRow(ctx, s.sql.get, key), nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return baldur.IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	return rec, true, nil
}

func (s *Store) Update(ctx context.Context, key string, rec baldur.IdempotencyRecord, _ time.Time) error {
	tag, err := s.db.Exec(ctx, s.sql.update, key, rec.Token, int16(rec.State), rec.Fingerprint, rec.Value, rec.Expires)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return baldur.ErrLeaseLost
	}
	return nil
}

func (s *Store) Release(ctx context.Context, key, token string) error {
	tag, err := s.db.Exec(ctx, s.sql.release, key, token)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return baldur.ErrLeaseLost
	}
	return nil
}

// Purge deletes up to limit rows that expired at or before now, and
// reports how many it deleted. Run it periodically (a cron job, a ticker
// in one replica); expired rows are harmless but take space.
func (s *Store) Purge(ctx context.Context, now time.Time, limit int) (int64, error) {
	tag, err := s.db.Exec(ctx, s.sql.purge, now, limit)
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge: %w", err)
	}
	return tag.RowsAffected(), nil
}

// scan reads a row of (claimed?, state, token, fingerprint, value,
// expires_at); claimed is nil for queries without that column.
func scan(row pgx.Row, claimed *bool) (baldur.IdempotencyRecord, error) {
	var (
		r     baldur.IdempotencyRecord
		state int16
		dest  = []any{&state, &r.Token, &r.Fingerprint, &r.Value, &r.Expires}
	)
	if claimed != nil {
		dest = append([]any{claimed}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return baldur.IdempotencyRecord{}, err
	}
	r.State = baldur.RecordState(state)
	return r, nil
}
