package pgxbaldur

import "github.com/jackc/pgx/v5/pgconn"

// pgErrorOf returns the first *pgconn.PgError in err's chain, or nil. A
// walk rather than errors.As, whose target escapes: it runs once per
// failed attempt.
func pgErrorOf(err error) *pgconn.PgError {
	for err != nil {
		switch e := err.(type) {
		case *pgconn.PgError:
			return e
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if pe := pgErrorOf(inner); pe != nil {
					return pe
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// class is the SQLSTATE's class: its first two characters.
func class(state string) string {
	if len(state) < 2 {
		return ""
	}
	return state[:2]
}
