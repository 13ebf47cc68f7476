package redisbaldur

import (
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Matcher is an error value for retry_on, abort_on and ignore that
// matches a server reply by its prefix, wherever it is wrapped. It
// implements baldur.ErrorMatcher.
type Matcher struct {
	prefixes []string
	pool     bool // also matches redis.ErrPoolTimeout
	name     string
}

// Reply returns a Matcher of the server replies beginning with one of the
// prefixes, e.g. Reply("WRONGTYPE").
func Reply(prefixes ...string) *Matcher {
	return &Matcher{prefixes: prefixes, name: "redis reply " + strings.Join(prefixes, "|")}
}

func (m *Matcher) Error() string { return m.name }

// MatchError reports whether err is one of the matched replies.
func (m *Matcher) MatchError(err error) bool {
	if m.pool && errors.Is(err, redis.ErrPoolTimeout) {
		return true
	}
	r := replyOf(err)
	return r != nil && r != redis.Nil && hasPrefix(r, m.prefixes)
}

// Transient is what Classify retries: a pool timeout and the "not now"
// replies. retry_on=redisbaldur.Transient.
var Transient = &Matcher{prefixes: transientReplies, pool: true, name: "redis pool timeout|" + strings.Join(transientReplies, "|")}
