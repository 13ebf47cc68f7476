package baldur

import (
	"context"
	"log/slog"
	"time"
)

// EventKind names what happened inside a protected call.
type EventKind int

const (
	// EventRetry: an attempt failed and another one is scheduled after Delay.
	EventRetry EventKind = iota + 1
	// EventRetriesExhausted: the last allowed attempt failed.
	EventRetriesExhausted
	// EventRetryBudget: the retry budget refused a retry.
	EventRetryBudget
	// EventTimeout: an attempt ran past the per-attempt timeout.
	EventTimeout
	// EventBreakerTransition: a breaker moved From one state To another.
	EventBreakerTransition
	// EventBreakerRejected: an open breaker refused a call.
	EventBreakerRejected
	// EventFallback: the final error was handed to the method's fallback.
	EventFallback
	// EventDuplicate: a call with an idempotency key was answered with the
	// result of an earlier or concurrent call with the same key, without
	// calling the method.
	EventDuplicate
	// EventKeyReused: an idempotency key came back with other arguments.
	EventKeyReused
	// EventLeaseLost: another caller took over a key this call held.
	EventLeaseLost
	// EventDeadLettered: a call that failed for good was captured as Letter.
	EventDeadLettered
	// EventCaptureFailed: a call that failed for good could not be captured.
	EventCaptureFailed
	// EventReplayed: a dead letter's replay went through and it left the
	// queue; Err is the business outcome it was answered with, if any.
	EventReplayed
	// EventReplayFailed: a dead letter's replay failed and is rescheduled,
	// or the queue could not reach its store.
	EventReplayFailed
	// EventLetterParked: a dead letter spent its replays or cannot be
	// replayed; it waits for an operator.
	EventLetterParked
	// EventLostPanic: an idempotent call panicked after every caller had
	// stopped waiting for it, so nobody received the panic; Err is the
	// *PanicError, with the stack. Logged at Error.
	EventLostPanic
)

var eventNames = [...]string{
	EventRetry:             "retry",
	EventRetriesExhausted:  "retries exhausted",
	EventRetryBudget:       "retry budget exhausted",
	EventTimeout:           "attempt timed out",
	EventBreakerTransition: "breaker transition",
	EventBreakerRejected:   "breaker rejected call",
	EventFallback:          "fallback",
	EventDuplicate:         "duplicate answered without a call",
	EventKeyReused:         "idempotency key reused",
	EventLeaseLost:         "idempotency lease lost",
	EventDeadLettered:      "call captured as a dead letter",
	EventCaptureFailed:     "call could not be captured as a dead letter",
	EventReplayed:          "dead letter replayed",
	EventReplayFailed:      "dead letter replay failed",
	EventLetterParked:      "dead letter parked",
	EventLostPanic:         "idempotent call panicked after every caller left",
}

func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// Event is what an Observer receives. Fields that do not apply to a kind
// are zero.
type Event struct {
	Kind    EventKind
	Policy  string
	Method  string
	Breaker string
	Attempt int
	Delay   time.Duration
	From    State
	To      State
	Err     error
	// Letter is the dead letter's ID, for the dead-letter events.
	Letter string
	// BreakerKey is the key of a keyed breaker (breaker_key), with Breaker.
	BreakerKey string
	// Context is the call's PolicyContext, for the events of a call: its
	// attempt, key and fields. The observer may keep it.
	Context PolicyContext
}

// Observer receives every event synchronously, on the goroutine that caused
// it. It must be fast and must not call back into the same policy.
type Observer func(Event)

// level: events that happen once per call (a retry, a rejection, a
// fallback...) are Debug, so that an outage does not flood the log; a
// breaker's transitions are Info, and Warn when it opens.
func (e *Event) level() slog.Level {
	switch e.Kind {
	case EventCaptureFailed, EventLetterParked:
		return slog.LevelWarn
	}
	switch {
	case e.Kind == EventLostPanic:
		return slog.LevelError
	case e.Kind != EventBreakerTransition:
		return slog.LevelDebug
	case e.To == StateOpen || e.To == StateForcedOpen:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

func (rt *Runtime) emitTransition(b *CircuitBreaker, from, to State) {
	rt.emit(context.Background(), Event{Kind: EventBreakerTransition, Breaker: b.name, BreakerKey: b.key, From: from, To: to})
	if q := rt.dlq.Load(); q != nil && to == StateClosed {
		q.recover(b.name) // the dependency is back: replay what waits for it
	}
}

// emit logs e and hands it to the observer. Attributes are built only when
// the logger will keep the record. Per-call events are emitted only when
// rt.callEvents says someone listens, which callers check first.
func (rt *Runtime) emit(ctx context.Context, e Event) {
	if rt.observer != nil {
		rt.observer(e)
	}
	if rt.interceptor != nil {
		rt.interceptor.Event(ctx, e)
	}
	level := e.level()
	if ctx == nil {
		ctx = context.Background()
	}
	if !rt.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	if e.Policy != "" {
		attrs = append(attrs, slog.String("policy", e.Policy))
	}
	if e.Method != "" {
		attrs = append(attrs, slog.String("method", e.Method))
	}
	if e.Breaker != "" {
		attrs = append(attrs, slog.String("breaker", e.Breaker))
	}
	if e.BreakerKey != "" {
		attrs = append(attrs, slog.String("breaker_key", e.BreakerKey))
	}
	if e.Context.key != "" {
		attrs = append(attrs, slog.String("key", e.Context.key))
	}
	if len(e.Context.fields) > 0 {
		fields := make([]slog.Attr, len(e.Context.fields))
		for i, f := range e.Context.fields {
			fields[i] = f.attr()
		}
		attrs = append(attrs, slog.Attr{Key: "fields", Value: slog.GroupValue(fields...)})
	}
	if e.Attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
	}
	if e.Kind == EventRetry {
		attrs = append(attrs, slog.Duration("delay", e.Delay))
	}
	if e.Kind == EventBreakerTransition {
		attrs = append(attrs, slog.String("from", e.From.String()), slog.String("to", e.To.String()))
	}
	if e.Letter != "" {
		attrs = append(attrs, slog.String("letter", e.Letter))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	rt.logger.LogAttrs(ctx, level, "baldur: "+e.Kind.String(), attrs...)
}
