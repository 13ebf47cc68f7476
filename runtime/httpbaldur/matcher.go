package httpbaldur

import (
	"strconv"
	"strings"
)

// Matcher is an error value for retry_on, abort_on and ignore that
// matches a *StatusError, wherever it is wrapped, by its status code. It
// implements baldur.ErrorMatcher.
type Matcher struct {
	codes []int
	name  string
}

// Statuses returns a Matcher of the given status codes.
func Statuses(codes ...int) *Matcher {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = strconv.Itoa(c)
	}
	return &Matcher{codes: codes, name: "http status " + strings.Join(names, "|")}
}

func (m *Matcher) Error() string { return m.name }

// MatchError reports whether err is a StatusError with one of the codes.
func (m *Matcher) MatchError(err error) bool {
	se := statusErrorOf(err)
	if se == nil {
		return false
	}
	for _, c := range m.codes {
		if se.StatusCode == c {
			return true
		}
	}
	return false
}

var (
	TooManyRequests    = Statuses(429)
	BadGateway         = Statuses(502)
	ServiceUnavailable = Statuses(503)
	GatewayTimeout     = Statuses(504)
	// TransientStatuses is the codes Transient reports:
	// retry_on=httpbaldur.TransientStatuses.
	TransientStatuses = Statuses(408, 429, 502, 503, 504)
)

// statusErrorOf returns the first *StatusError in err's chain, or nil: a
// walk rather than errors.As, whose target escapes, since it runs once per
// failed attempt.
func statusErrorOf(err error) *StatusError {
	for err != nil {
		switch e := err.(type) {
		case *StatusError:
			return e
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if se := statusErrorOf(inner); se != nil {
					return se
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}
