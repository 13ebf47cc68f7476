package redisbaldur

import (
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Classify is a classify= function for methods that call go-redis:
//
//   - redis.Nil: the key is not there, an answer (DecideIgnore).
//   - redis.ErrPoolTimeout: every connection was busy for PoolTimeout; a
//     moment later one may be free (DecideRetry).
//   - a reply saying "not now" (LOADING, READONLY, MASTERDOWN, CLUSTERDOWN,
//     TRYAGAIN, NOREPLICAS, BUSY, max clients): DecideRetry.
//   - OOM, or an authentication or permission reply: the server cannot
//     serve anyone like this; it counts, and retrying cannot help
//     (DecideFail).
//   - any other reply (WRONGTYPE, a syntax error, a script's error): an
//     answer about the command (DecideIgnore).
//   - everything else (refused, reset, i/o timeout, baldur's own timeout)
//     is left to the runtime (DecideDefault): go-redis returns the network
//     error itself, which the runtime's IsConnectionError recognises.
func Classify(_ baldur.PolicyContext, err error) baldur.Decision {
	if err == nil || errors.Is(err, baldur.ErrTimeout) {
		return baldur.DecideDefault
	}
	if errors.Is(err, redis.ErrPoolTimeout) {
		return baldur.DecideRetry
	}
	r := replyOf(err)
	switch {
	case r == nil:
		return baldur.DecideDefault
	case r == redis.Nil:
		return baldur.DecideIgnore
	case hasPrefix(r, transientReplies):
		return baldur.DecideRetry
	case hasPrefix(r, failedReplies):
		return baldur.DecideFail
	}
	return baldur.DecideIgnore
}

// transientReplies begin the replies of a server that cannot take the
// command now: loading its data set, a replica, a failover under way.
var transientReplies = []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS", "BUSY ", "ERR max number of clients reached"}

// failedReplies begin the replies of a server no command can succeed on.
var failedReplies = []string{"OOM", "NOAUTH", "WRONGPASS", "NOPERM"}

// replyOf returns the first error in err's chain that is a reply from the
// server (a redis.Error), or nil.
func replyOf(err error) redis.Error {
	for err != nil {
		switch e := err.(type) {
		case redis.Error:
			return e
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if r := replyOf(inner); r != nil {
					return r
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

func hasPrefix(r redis.Error, prefixes []string) bool {
	msg := r.Error()
	for _, p := range prefixes {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
