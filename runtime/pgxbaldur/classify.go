package pgxbaldur

import (
	"errors"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Classify is a classify= function for methods that talk to PostgreSQL
// through pgx (or database/sql with pgx's stdlib driver): it decides by
// the SQLSTATE of the *pgconn.PgError in err, with Decide. Errors without
// one (a refused dial, a lost connection, baldur's own timeout) are left
// to the runtime.
func Classify(_ baldur.PolicyContext, err error) baldur.Decision {
	if err == nil || errors.Is(err, baldur.ErrTimeout) {
		return baldur.DecideDefault
	}
	if pe := pgErrorOf(err); pe != nil {
		return Decide(pe.Code)
	}
	return baldur.DecideDefault
}

// Decide judges a SQLSTATE:
//
//   - 40001 serialization_failure and 40P01 deadlock_detected: the
//     transaction lost a race and was rolled back; run again, it usually
//     wins (DecideRetry). So are 53300 too_many_connections and 57P01-03,
//     the server shutting down or starting up.
//   - class 23 (integrity constraint violation: a unique key taken, a
//     missing foreign key) and class 22 (data exception: a value the column
//     cannot hold): the database answered about the data; running it again
//     gets the same answer, and bad input must not open the database's
//     breaker (DecideIgnore).
//   - class 42 (syntax error, undefined table, insufficient privilege): the
//     query is wrong for this database; retrying cannot help, and it
//     counts (DecideFail).
//   - class 08 (connection exception) and everything else: the runtime's
//     rules decide, the mesh switch among them (DecideDefault).
func Decide(state string) baldur.Decision {
	switch state {
	case SQLStateSerializationFailure, SQLStateDeadlockDetected, "53300", "57P01", "57P02", "57P03":
		return baldur.DecideRetry
	}
	switch class(state) {
	case "23", "22":
		return baldur.DecideIgnore
	case "42":
		return baldur.DecideFail
	}
	return baldur.DecideDefault
}

// The SQLSTATEs named by this package.
const (
	SQLStateUniqueViolation      = "23505"
	SQLStateForeignKeyViolation  = "23503"
	SQLStateNotNullViolation     = "23502"
	SQLStateCheckViolation       = "23514"
	SQLStateSerializationFailure = "40001"
	SQLStateDeadlockDetected     = "40P01"
)
