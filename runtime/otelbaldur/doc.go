// Package otelbaldur records a Baldur runtime's protected calls as
// OpenTelemetry metrics and spans:
//
//	rt, err := baldur.New(otelbaldur.Instrument(
//		otelbaldur.WithMeterProvider(mp), otelbaldur.WithTracerProvider(tp)))
//
// Each protected call is one span, a child of the caller's, named by its
// policy, with baldur.policy, baldur.method, baldur.outcome and
// baldur.attempts, an event per retry (with its delay), timeout, rejection
// and fallback, and an error status when the caller got a failure. The
// metrics, with stable names and units:
//
//	baldur.calls                    counter    {call}     baldur.policy, baldur.outcome
//	baldur.call.duration            histogram  s          baldur.policy, baldur.outcome
//	baldur.attempts                 counter    {attempt}  baldur.policy, baldur.outcome
//	baldur.breaker.state            gauge      {state}    baldur.breaker, baldur.breaker.key, baldur.breaker.state
//	baldur.breaker.transitions      counter    {transition} baldur.breaker, baldur.breaker.key, baldur.breaker.from, baldur.breaker.to
//	baldur.retry.budget.exhausted   counter    {retry}    baldur.policy
//	baldur.idempotency.duplicates   counter    {call}     baldur.policy
//	baldur.dlq.letters              gauge      {letter}   baldur.policy, baldur.letter.state
//
// baldur.outcome is one of success, failure, fallback, rejected, ignored,
// dead_lettered and duplicate. baldur.breaker.state reports 1 for the
// state a breaker is in and 0 for the others, so that a query can sum by
// state. baldur.breaker.key is there only for keyed breakers.
//
// Business fields become attributes only when baldur.yaml names them
// (metrics: {fields: [tier]}), under their own names: each value is a
// series, so the configuration decides the cardinality. Fields marked
// sensitive never reach a PolicyContext, so they cannot appear here.
//
// A runtime without Instrument pays nothing for any of this.
package otelbaldur
