package otelbaldur_test

import (
	"context"
	"encoding/json"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/otelbaldur"
)

// Each outcome is counted under its name, with the attempts it made and
// its duration; the breaker's transition and state are there too.
func TestCallsCountedByOutcome(t *testing.T) {
	e := newEnv(t, quick)
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Retry: true, Attempts: 2, Breaker: "charge", Ignore: []error{errDeclined}})
	call(p, bg, ok)
	call(p, bg, failWith(errDeclined))
	call(p, bg, failWith(errBoom)) // two attempts; opens the breaker
	call(p, bg, ok)                // rejected

	m := e.collect()
	wantPoints(t, m, "baldur.calls",
		"baldur.outcome=success,baldur.policy=charge: 1",
		"baldur.outcome=ignored,baldur.policy=charge: 1",
		"baldur.outcome=failure,baldur.policy=charge: 1",
		"baldur.outcome=rejected,baldur.policy=charge: 1")
	wantPoints(t, m, "baldur.attempts",
		"baldur.outcome=success,baldur.policy=charge: 1",
		"baldur.outcome=ignored,baldur.policy=charge: 1",
		"baldur.outcome=failure,baldur.policy=charge: 2",
		"baldur.outcome=rejected,baldur.policy=charge: 1")
	wantPoints(t, m, "baldur.call.duration",
		"baldur.outcome=success,baldur.policy=charge: 1",
		"baldur.outcome=ignored,baldur.policy=charge: 1",
		"baldur.outcome=failure,baldur.policy=charge: 1",
		"baldur.outcome=rejected,baldur.policy=charge: 1")
	wantPoints(t, m, "baldur.breaker.transitions", "baldur.breaker=charge,baldur.breaker.from=closed,baldur.breaker.to=open: 1")
	wantPoints(t, m, "baldur.breaker.state",
		"baldur.breaker=charge,baldur.breaker.state=closed: 0",
		"baldur.breaker=charge,baldur.breaker.state=open: 1",
		"baldur.breaker=charge,baldur.breaker.state=half-open: 0",
		"baldur.breaker=charge,baldur.breaker.state=forced-open: 0",
		"baldur.breaker=charge,baldur.breaker.state=disabled: 0")
	if u := m["baldur.call.duration"].Unit; u != "s" {
		t.Errorf("baldur.call.duration unit %q, want s", u)
	}
}

// A fallback's answer, a dead letter and a duplicate are outcomes of their
// own; the duplicate is counted by baldur.idempotency.duplicates too.
func TestFallbackDeadLetterAndDuplicateOutcomes(t *testing.T) {
	e := newEnv(t, quick)
	replay := func(context.Context, []byte) error { return nil }
	fb := e.rt.Policy(baldur.Spec{Name: "quote", Method: "test.Gateway.Quote"})
	dl := e.rt.Policy(baldur.Spec{Name: "refund", Method: "test.Gateway.Refund", DeadLetter: &baldur.DeadLetterSpec{Replay: replay}})
	idem := e.rt.Policy(baldur.Spec{Name: "pay", Method: "test.Gateway.Pay", Dedupe: true})

	// The fallback answers for the failed call.
	pc := fb.Call()
	ctx := fb.Begin(bg, &pc)
	err := fb.Do(ctx, &pc, failWith(errBoom))
	if fb.ShouldFallback(ctx, &pc, err) {
		err = nil
	}
	fb.End(ctx, &pc, err)

	// The failed call is captured; the caller gets ErrDeadLettered.
	pc = dl.Call()
	ctx = dl.Begin(bg, &pc)
	err = dl.Do(ctx, &pc, failWith(errBoom))
	err = dl.Capture(ctx, &pc, json.RawMessage(`{}`), err)
	dl.End(ctx, &pc, err)

	// The second call with key k-1 is answered from the first's record.
	for range 2 {
		pc = idem.Call()
		ctx = idem.Begin(bg, &pc)
		_, err = baldur.IdempotentCall(ctx, idem, &pc, "k-1", nil, func(ctx context.Context, pc *baldur.PolicyContext) (int, error) {
			return 7, idem.Do(ctx, pc, ok)
		})
		idem.End(ctx, &pc, err)
	}

	m := e.collect()
	wantPoints(t, m, "baldur.calls",
		"baldur.outcome=fallback,baldur.policy=quote: 1",
		"baldur.outcome=dead_lettered,baldur.policy=refund: 1",
		"baldur.outcome=success,baldur.policy=pay: 1",
		"baldur.outcome=duplicate,baldur.policy=pay: 1")
	wantPoints(t, m, "baldur.idempotency.duplicates", "baldur.policy=pay: 1")
	wantPoints(t, m, "baldur.dlq.letters", "baldur.letter.state=pending,baldur.policy=refund: 1")
}

// A retry the budget refuses is counted.
func TestRetryBudgetExhaustedCounted(t *testing.T) {
	e := newEnv(t, "defaults:\n  retry: {initial_delay: 0s}\n  budget: {percent: 0, min_retries_per_second: 0}\n")
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Retry: true, Attempts: 3})
	call(p, bg, failWith(errBoom))
	m := e.collect()
	wantPoints(t, m, "baldur.retry.budget.exhausted", "baldur.policy=charge: 1")
	wantPoints(t, m, "baldur.attempts", "baldur.outcome=failure,baldur.policy=charge: 1")
}

// The letters gauge follows the queue: a policy whose letters are gone
// reads 0. A runtime without a queue gets none from being collected.
func TestDeadLetterGauge(t *testing.T) {
	e := newEnv(t, quick)
	if _, ok := e.collect()["baldur.dlq.letters"]; ok {
		t.Fatal("a runtime without a dead-letter queue reported letters")
	}
	if e.rt.DeadLettersInUse() {
		t.Fatal("collecting made a dead-letter queue")
	}
	dl := e.rt.Policy(baldur.Spec{Name: "refund", Method: "test.Gateway.Refund",
		DeadLetter: &baldur.DeadLetterSpec{Replay: func(context.Context, []byte) error { return nil }}})
	for range 2 {
		pc := dl.Call()
		dl.Capture(bg, &pc, json.RawMessage(`{}`), errBoom)
	}
	wantPoints(t, e.collect(), "baldur.dlq.letters", "baldur.letter.state=pending,baldur.policy=refund: 2")
	letters, err := e.rt.DeadLetters().List(bg, baldur.LetterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range letters {
		if err := e.rt.DeadLetters().Drop(bg, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantPoints(t, e.collect(), "baldur.dlq.letters", "baldur.letter.state=pending,baldur.policy=refund: 0")
}

// Keyed breakers are reported per key.
func TestKeyedBreakerState(t *testing.T) {
	e := newEnv(t, quick)
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Breaker: "charge", BreakerKey: "tenant"})
	call(p, bg, ok, baldur.String("tenant", "acme"))
	e.rt.KeyedBreaker("charge", "acme").ForceOpen()
	m := e.collect()
	wantPoints(t, m, "baldur.breaker.state",
		"baldur.breaker=charge,baldur.breaker.key=acme,baldur.breaker.state=closed: 0",
		"baldur.breaker=charge,baldur.breaker.key=acme,baldur.breaker.state=open: 0",
		"baldur.breaker=charge,baldur.breaker.key=acme,baldur.breaker.state=half-open: 0",
		"baldur.breaker=charge,baldur.breaker.key=acme,baldur.breaker.state=forced-open: 1",
		"baldur.breaker=charge,baldur.breaker.key=acme,baldur.breaker.state=disabled: 0")
	wantPoints(t, m, "baldur.breaker.transitions", "baldur.breaker=charge,baldur.breaker.from=closed,baldur.breaker.key=acme,baldur.breaker.to=forced-open: 1")
}

// A runtime takes one interceptor: a second Instrument is refused.
func TestInstrumentTwiceRefused(t *testing.T) {
	_, err := baldur.New(otelbaldur.Instrument(), otelbaldur.Instrument())
	if err == nil {
		t.Fatal("a runtime took two Instruments")
	}
}
