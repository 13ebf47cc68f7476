package baldur

import (
	"context"
	"errors"
	"fmt"
)

// Interceptor sees every protected call whole, from its start to the
// answer its caller gets, fallback and dead-letter capture included, and
// the events that happen inside it. package otelbaldur is one. A runtime
// without an interceptor pays nothing for the hook.
type Interceptor interface {
	// Begin is called as a call starts, with its context; the context it
	// returns is the call's from then on (one that carries a span, say),
	// and end, when not nil, is called once with how the call ended.
	Begin(ctx context.Context, c PolicyContext) (context.Context, func(CallEnd))
	// Event is called with every event the runtime emits, with the
	// context of the call it happened in (a retry, a rejection, a
	// timeout...), or a background context for the runtime's own (a
	// breaker's transition, a dead letter's replay).
	Event(ctx context.Context, e Event)
}

// CallEnd is how a protected call ended.
type CallEnd struct {
	Outcome Outcome
	// Err is the error the caller got (nil after a fallback's answer, say).
	Err error
	// Attempts is how many attempts the call made; 0 when none reached the
	// dependency (a duplicate answered from its record).
	Attempts int
	Context  PolicyContext
}

// Outcome names how a protected call ended.
type Outcome int

const (
	OutcomeSuccess      Outcome = iota + 1 // the method answered
	OutcomeFailure                         // the caller got the failure
	OutcomeFallback                        // the fallback answered instead
	OutcomeRejected                        // an open breaker refused it
	OutcomeIgnored                         // a business outcome (ignore, DecideIgnore)
	OutcomeDeadLettered                    // captured for replay
	OutcomeDuplicate                       // answered from an earlier call with its key
)

var outcomeNames = []string{
	OutcomeSuccess: "success", OutcomeFailure: "failure", OutcomeFallback: "fallback", OutcomeRejected: "rejected",
	OutcomeIgnored: "ignored", OutcomeDeadLettered: "dead_lettered", OutcomeDuplicate: "duplicate",
}

func (o Outcome) String() string { return enumString(outcomeNames, o) }

// WithInterceptor gives the runtime's protected calls to i.
func WithInterceptor(i Interceptor) Option {
	return func(rt *Runtime) error {
		if i == nil {
			return errors.New("baldur: WithInterceptor: nil interceptor")
		}
		if rt.interceptor != nil {
			return fmt.Errorf("baldur: WithInterceptor: the runtime already has one")
		}
		rt.interceptor = i
		return nil
	}
}
