// Package pgxbaldur teaches Baldur PostgreSQL's errors, as pgx reports
// them: a *pgconn.PgError carries a SQLSTATE, which no sentinel error can
// match.
//
//   - Classify is a classify= function: serialization failures and
//     deadlocks are retried, integrity violations (a unique key taken) and
//     bad input are business outcomes that neither retry nor count against
//     the database's breaker, and connection exceptions are left to the
//     runtime and its mesh switch.
//   - UniqueViolation, IntegrityViolation, SerializationFailure, ... are
//     values for retry_on, abort_on and ignore that match by SQLSTATE, also
//     through database/sql with pgx's stdlib driver.
//   - ClientErrors, given to baldur.WithClientErrors, makes SQLSTATE class
//     08 and failed connection attempts connection errors.
//
// It imports pgx's pgconn and the runtime core, nothing else.
package pgxbaldur
