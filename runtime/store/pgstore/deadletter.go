package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	baldur "github.com/baldur-go/baldur/runtime"
)

// DefaultDeadLetterTable is the dead-letter table's name when
// WithDeadLetterTable is not used; it is found through the search_path.
const DefaultDeadLetterTable = "baldur_dead_letters"

// DefaultDeadLetterTimeout bounds each operation of a DeadLetterStore.
const DefaultDeadLetterTimeout = 5 * time.Second

// DeadLetterDB is what the dead-letter store needs from a connection pool:
// *pgxpool.Pool has it. It must be safe for concurrent use.
type DeadLetterDB interface {
	dlQuerier
	// BeginTx is used only on a server whose default isolation is above
	// READ COMMITTED (see DeadLetterStore.do).
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// dlQuerier runs statements: the pool, or a transaction on it.
type dlQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	// ErrDeadLetterTimeout: the database did not answer within the store's
	// own timeout (WithDeadLetterTimeout). The operation may or may not
	// have taken effect.
	ErrDeadLetterTimeout = errors.New("pgstore: dead-letter store did not answer in time")
	// ErrDeadLetterInvalid: a call the store refuses to run (an empty or
	// too long ID or policy, a lease that is not positive).
	ErrDeadLetterInvalid = errors.New("pgstore: invalid dead-letter request")
)

// DeadLetterError reports a failed operation: a database error, the
// store's timeout (ErrDeadLetterTimeout) or the caller's context. Answers
// (baldur.ErrLeaseLost, ErrNoLetter, ErrDeadLettersFull) are not wrapped.
type DeadLetterError struct {
	Op  string // put, claim, ack...
	Err error
}

func (e *DeadLetterError) Error() string {
	return "pgstore: dead letters " + e.Op + ": " + e.Err.Error()
}
func (e *DeadLetterError) Unwrap() error { return e.Err }

// DeadLetterStore is a baldur.DeadLetterStore on a PostgreSQL table, for
// replicas sharing one database: claims lock with FOR UPDATE SKIP LOCKED
// and count the replay in the same statement, and every write of a holder
// is fenced by its token.
type DeadLetterStore struct {
	db         DeadLetterDB
	table      pgx.Identifier
	sql        deadLetterStatements
	timeout    time.Duration
	maxLetters int64
	retries    int // serialization failures and deadlocks retried, per operation
	// readCommitted is set once the server answered 40001: its default
	// isolation is above READ COMMITTED, so from then on every operation
	// runs in an explicit READ COMMITTED transaction.
	readCommitted atomic.Bool

	acks ackBatcher

	retried    func()      // test hook: called on each retry
	ackBatched func(n int) // test hook: called with each batch of Acks
}

var _ baldur.DeadLetterStore = (*DeadLetterStore)(nil)

// DeadLetterOption configures a DeadLetterStore.
type DeadLetterOption func(*DeadLetterStore) error

// WithDeadLetterTable names the table, schema-qualified when schema is
// not empty.
func WithDeadLetterTable(schema, table string) DeadLetterOption {
	return func(s *DeadLetterStore) error {
		if table == "" {
			return fmt.Errorf("%w: WithDeadLetterTable: empty table name", ErrDeadLetterInvalid)
		}
		s.table = pgx.Identifier{table}
		if schema != "" {
			s.table = pgx.Identifier{schema, table}
		}
		return nil
	}
}

// WithDeadLetterTimeout bounds every operation (default 5 s), retries
// included: a stalled server or network gives ErrDeadLetterTimeout, not a
// hang.
func WithDeadLetterTimeout(d time.Duration) DeadLetterOption {
	return func(s *DeadLetterStore) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithDeadLetterTimeout(%v): must be positive", ErrDeadLetterInvalid, d)
		}
		s.timeout = d
		return nil
	}
}

// WithDeadLetterMaxLetters bounds the letters the table holds (default
// none: size the database). Put beyond it returns baldur.ErrDeadLettersFull.
// Each Put then counts up to n rows of the primary key, and concurrent
// Puts may pass the bound by as many as run at once.
func WithDeadLetterMaxLetters(n int) DeadLetterOption {
	return func(s *DeadLetterStore) error {
		if n <= 0 {
			return fmt.Errorf("%w: WithDeadLetterMaxLetters(%d): must be positive", ErrDeadLetterInvalid, n)
		}
		s.maxLetters = int64(n)
		return nil
	}
}

// NewDeadLetterStore returns a store on db, which the caller keeps and
// closes. Call Migrate once before use; nothing is created on first use.
func NewDeadLetterStore(db DeadLetterDB, opts ...DeadLetterOption) (*DeadLetterStore, error) {
	s := &DeadLetterStore{db: db, table: pgx.Identifier{DefaultDeadLetterTable}, timeout: DefaultDeadLetterTimeout, retries: 5}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.sql = buildDeadLetter(s.table)
	return s, nil
}

// Migrate creates the table and its indexes if they do not exist.
// Concurrent calls from several processes serialize on an advisory lock.
func (s *DeadLetterStore) Migrate(ctx context.Context) error {
	return s.do(ctx, "migrate", func(ctx context.Context, q dlQuerier) error {
		_, err := q.Exec(ctx, s.sql.migrate)
		return err
	})
}

// do runs op under the store's timeout. Every operation is one statement
// (or a statement and a read), written for READ COMMITTED, where a claim
// with SKIP LOCKED never fails to serialize. A server whose default
// isolation is higher answers 40001 instead; then the operation, and every
// later one, runs in an explicit READ COMMITTED transaction, so no
// serialization failure reaches the caller. Deadlocks (40P01) are retried
// too. Failures become *DeadLetterError; answers pass through.
func (s *DeadLetterStore) do(ctx context.Context, name string, op func(context.Context, dlQuerier) error) error {
	if err := ctx.Err(); err != nil {
		return &DeadLetterError{Op: name, Err: err}
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var err error
	for attempt := 0; ; attempt++ {
		if s.readCommitted.Load() {
			err = s.inReadCommitted(octx, op)
		} else {
			err = op(octx, s.db)
		}
		if err == nil || isAnswer(err) {
			return err
		}
		if !retryable(err) || attempt >= s.retries {
			break
		}
		if s.retried != nil {
			s.retried()
		}
		if isSerialization(err) && !s.readCommitted.Load() {
			s.readCommitted.Store(true)
			continue // at once: the transaction cannot fail that way
		}
		t := time.NewTimer(time.Duration(1+rand.IntN(4<<attempt)) * time.Millisecond)
		select {
		case <-t.C:
		case <-octx.Done():
			t.Stop()
		}
		if octx.Err() != nil {
			break
		}
	}
	switch {
	case ctx.Err() != nil:
		return &DeadLetterError{Op: name, Err: ctx.Err()}
	case octx.Err() != nil:
		return &DeadLetterError{Op: name, Err: fmt.Errorf("%w (%v, after %v): %v", ErrDeadLetterTimeout, s.table.Sanitize(), s.timeout, err)}
	}
	return &DeadLetterError{Op: name, Err: err}
}

func (s *DeadLetterStore) inReadCommitted(ctx context.Context, op func(context.Context, dlQuerier) error) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	if err := op(ctx, tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

func isAnswer(err error) bool {
	return errors.Is(err, baldur.ErrLeaseLost) || errors.Is(err, baldur.ErrNoLetter) ||
		errors.Is(err, baldur.ErrDeadLettersFull) || errors.Is(err, ErrDeadLetterInvalid)
}

// retryable: serialization_failure and deadlock_detected.
func retryable(err error) bool { return isSerialization(err) || sqlState(err) == "40P01" }

func isSerialization(err error) bool { return sqlState(err) == "40001" }

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func invalidLetter(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDeadLetterInvalid, fmt.Sprintf(format, args...))
}
