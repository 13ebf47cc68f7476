package pgxbaldur

import (
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	baldur "github.com/baldur-go/baldur/runtime"
)

// ClientErrors is pgx's reading of its errors, for
// baldur.WithClientErrors.
func ClientErrors() baldur.ClientErrors {
	return baldur.ClientErrors{Connection: IsConnectionError}
}

// IsConnectionError reports whether err is a failure to reach PostgreSQL
// or to keep the connection: SQLSTATE class 08 (connection exception), or
// a connection attempt that failed before the server answered it (a
// refused dial, a failed TLS handshake), or database/sql's
// driver.ErrBadConn, all it returns once its own retries on other
// connections ran out (the cause is lost). A failed attempt that the server
// did answer, a wrong password say, is an answer and is not one.
func IsConnectionError(err error) bool {
	if pe := pgErrorOf(err); pe != nil {
		return class(pe.Code) == "08"
	}
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
