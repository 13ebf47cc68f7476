package main

import (
	"errors"
	"fmt"
	"slices"

	baldur "github.com/baldur-go/baldur/runtime"

	"github.com/baldur-go/baldur/examples/payments"
)

// wantPath is the breaker's story: it opens in the outage, probes once the
// open period ends, and closes when the provider is back.
var wantPath = []transition{
	{baldur.StateClosed, baldur.StateOpen},
	{baldur.StateOpen, baldur.StateHalfOpen},
	{baldur.StateHalfOpen, baldur.StateClosed},
}

// check returns every promise the run broke. They hold whatever the
// scenario's sizes, so a change to the phases cannot hide a regression.
func check(a *account) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	rejectedOnly := 0
	first := map[string]payments.Receipt{}
	for _, r := range a.results() {
		id := r.Order.ID
		e := r.Events
		switch r.verdict() {
		case failed:
			fail("%s: the caller got an error instead of a receipt or a decline: %v", id, r.Err)
		case declined:
			var re *baldur.RetryError
			if errors.Is(r.Err, baldur.ErrTimeout) || errors.As(r.Err, &re) {
				fail("%s: the caller must get the decline as the gateway returned it, got %q", id, r.Err)
			}
			if r.Requests != 1 || !r.untouched() {
				fail("%s: a declined card must pass through untouched; got %d requests, %+v, breaker window %d→%d calls",
					id, r.Requests, e, r.Before.Calls, r.After.Calls)
			}
		case queued:
			if e.Fallbacks != 1 {
				fail("%s: queued without exactly one fallback (%d)", id, e.Fallbacks)
			}
			if r.Requests == 0 {
				rejectedOnly++
			}
		case captured:
			if e.Fallbacks != 0 {
				fail("%s: captured but the fallback ran too", id)
			}
			first[id] = r.Receipt
		case duplicate:
			if orig, ok := first[id]; !ok || r.Receipt != orig {
				fail("%s: a duplicate must get the first charge's receipt %+v, got %+v", id, orig, r.Receipt)
			}
		}
		// Every attempt the breaker admitted reached the provider once; a
		// duplicate reached nothing.
		want := 1 + e.Retries - e.Rejected
		if r.verdict() == duplicate {
			want = 0
		}
		if r.Requests != want {
			fail("%s: provider saw %d requests, want %d (1 call + %d retries - %d rejected)",
				id, r.Requests, want, e.Retries, e.Rejected)
		}
	}
	t := a.totals()
	if got := a.transitions(); !slices.Equal(got, wantPath) {
		fail("breaker went %s, want %s", path(got), path(wantPath))
	}
	if rejectedOnly == 0 {
		fail("no call was answered by the fallback without reaching the provider: the open breaker never protected it")
	}
	if t.Verdicts[duplicate] == 0 {
		fail("no duplicate was suppressed: the idempotency key did nothing")
	}
	if t.Events.Timeouts == 0 {
		fail("no attempt timed out: the slow provider went unnoticed")
	}
	if a.Captured != t.Verdicts[captured]+len(a.Replayed) {
		fail("provider took %d charges for %d captured and %d replayed orders", a.Captured, t.Verdicts[captured], len(a.Replayed))
	}
	if len(a.Replayed) != t.Verdicts[queued] || a.Left != 0 {
		fail("%d orders queued, %d replayed, %d letters left: the queue lost or kept work", t.Verdicts[queued], len(a.Replayed), a.Left)
	}
	for _, r := range a.Replayed {
		if r.Answered != 1 {
			fail("%s: the provider answered %d charge requests for a queued order, want exactly 1 (the replay)", r.Order.ID, r.Answered)
		}
	}
	if n := len(a.Phases); n > 0 && a.Phases[n-1].After.State != baldur.StateClosed {
		fail("breaker ends %s, want closed", a.Phases[n-1].After.State)
	}
	return bad
}
