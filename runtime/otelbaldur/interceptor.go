package otelbaldur

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Begin starts the call's span, a child of the caller's, and returns the
// context carrying it: the runtime hands that context to the attempts and
// to Event.
func (ic *interceptor) Begin(ctx context.Context, c baldur.PolicyContext) (context.Context, func(baldur.CallEnd)) {
	pa := ic.attrs(c.Policy(), c.Method())
	opts := pa.start
	if len(pa.fields) > 0 {
		if kvs := pa.fieldAttrs(nil, c); len(kvs) > 0 {
			opts = append(opts[:len(opts):len(opts)], trace.WithAttributes(kvs...))
		}
	}
	ctx, span := ic.tracer.Start(ctx, pa.name, opts...)
	start := time.Now()
	return ctx, func(e baldur.CallEnd) { ic.end(ctx, span, pa, start, e) }
}

// end records the call and ends its span.
func (ic *interceptor) end(ctx context.Context, span trace.Span, pa *policyAttrs, start time.Time, e baldur.CallEnd) {
	o := outcomeIndex(e.Outcome)
	m := pa.measure(o, e)
	ic.calls.Add(ctx, 1, m.add...)
	ic.duration.Record(ctx, time.Since(start).Seconds(), m.rec...)
	if e.Attempts > 0 {
		// No exemplar for the attempts (a background context has no
		// span): the call's count and duration link to its trace, and an
		// exemplar costs a clock read and a copy of the attributes.
		ic.attempts.Add(context.Background(), int64(e.Attempts), m.add...)
	}
	if span.IsRecording() {
		span.SetAttributes(pa.outcome[o], keyAttempts.Int(e.Attempts))
		// An ignored error is the method's business answer, not a failure
		// of the call.
		if e.Err != nil && e.Outcome != baldur.OutcomeIgnored {
			span.SetStatus(codes.Error, e.Err.Error())
		}
	}
	span.End()
}

// spanEvents are the events a call's span records, by the name it gives
// them.
var spanEvents = map[baldur.EventKind]string{
	baldur.EventRetry:            "retry",
	baldur.EventRetriesExhausted: "retries_exhausted",
	baldur.EventRetryBudget:      "retry_budget_exhausted",
	baldur.EventTimeout:          "timeout",
	baldur.EventBreakerRejected:  "breaker_rejected",
	baldur.EventFallback:         "fallback",
	baldur.EventDuplicate:        "duplicate",
	baldur.EventDeadLettered:     "dead_lettered",
	baldur.EventCaptureFailed:    "capture_failed",
}

// Event counts what the counters count and adds the call's events to its
// span. The runtime's own events (a transition) come with a background
// context.
func (ic *interceptor) Event(ctx context.Context, e baldur.Event) {
	if ctx == nil {
		ctx = context.Background()
	}
	switch e.Kind {
	case baldur.EventBreakerTransition:
		kvs := []attribute.KeyValue{keyBreaker.String(e.Breaker), keyFrom.String(e.From.String()), keyTo.String(e.To.String())}
		if e.BreakerKey != "" {
			kvs = append(kvs, keyBreakerKey.String(e.BreakerKey))
		}
		ic.transitions.Add(ctx, 1, metric.WithAttributes(kvs...))
		return
	case baldur.EventRetryBudget:
		ic.budget.Add(ctx, 1, ic.attrs(e.Policy, e.Method).only...)
	case baldur.EventDuplicate:
		ic.duplicates.Add(ctx, 1, ic.attrs(e.Policy, e.Method).only...)
	}
	name, ok := spanEvents[e.Kind]
	if !ok {
		return
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{keyAttempt.Int(e.Attempt)}
	if e.Kind == baldur.EventRetry {
		attrs = append(attrs, keyDelay.Float64(e.Delay.Seconds()))
	}
	span.AddEvent(name, trace.WithAttributes(attrs...))
}
