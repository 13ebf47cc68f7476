package pgxbaldur

import "strings"

// Matcher is an error value for retry_on, abort_on and ignore that
// matches a *pgconn.PgError, wherever it is wrapped, by its SQLSTATE. It
// implements baldur.ErrorMatcher.
type Matcher struct {
	states []string // a two-character entry is a whole class
	name   string
}

// States returns a Matcher of the given SQLSTATEs; an entry of two
// characters ("23") matches its whole class.
func States(states ...string) *Matcher {
	return &Matcher{states: states, name: "SQLSTATE " + strings.Join(states, "|")}
}

func (m *Matcher) Error() string { return m.name }

// MatchError reports whether err carries one of the SQLSTATEs.
func (m *Matcher) MatchError(err error) bool {
	pe := pgErrorOf(err)
	if pe == nil {
		return false
	}
	for _, s := range m.states {
		if s == pe.Code || (len(s) == 2 && s == class(pe.Code)) {
			return true
		}
	}
	return false
}

var (
	UniqueViolation     = States(SQLStateUniqueViolation)
	ForeignKeyViolation = States(SQLStateForeignKeyViolation)
	NotNullViolation    = States(SQLStateNotNullViolation)
	CheckViolation      = States(SQLStateCheckViolation)
	// IntegrityViolation is class 23: ignore=pgxbaldur.IntegrityViolation.
	IntegrityViolation   = States("23")
	DataException        = States("22")
	SerializationFailure = States(SQLStateSerializationFailure)
	DeadlockDetected     = States(SQLStateDeadlockDetected)
	// Transient is what Decide retries: retry_on=pgxbaldur.Transient.
	Transient           = States(SQLStateSerializationFailure, SQLStateDeadlockDetected, "53300", "57P01", "57P02", "57P03")
	ConnectionException = States("08")
)
