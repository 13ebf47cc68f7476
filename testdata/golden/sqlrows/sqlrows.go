// Package sqlrows protects a database handle (issue 11): *sql.Rows are
// read after the call returns, so no timeout may end them, and a unique
// violation is the caller's business, not the database's failure.
package sqlrows

import (
	"context"
	"database/sql"

	"github.com/baldur-go/baldur/runtime/pgxbaldur"
)

//baldur:protected breaker=db timeout=2s
type DB interface {
	// The interface's timeout does not apply to Query: lint says so.
	//baldur:protected retry=3 idempotent
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	//baldur:protected retry=3 ignore=pgxbaldur.IntegrityViolation
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// The annotation names pgxbaldur, whose import this keeps.
var _ = pgxbaldur.IntegrityViolation
