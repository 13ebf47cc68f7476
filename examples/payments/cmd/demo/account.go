package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	baldur "github.com/baldur-go/baldur/runtime"

	"github.com/baldur-go/baldur/examples/payments"
)

// chargeAnnotation is quoted from gateway.go; a test keeps them equal.
const chargeAnnotation = "//baldur:protected name=charge-customer idempotency_key=orderID retry=3 breaker=gateway timeout=300ms\n    //baldur:protected fallback=queuedCharge classify=classifyCharge context=customer.Tier dlq"

// Verdicts of an order.
const (
	captured  = "captured"
	declined  = "declined"
	queued    = "queued"
	failed    = "failed"
	duplicate = "duplicate"
)

func (r result) verdict() string {
	switch {
	case r.Err == nil && r.Events.Duplicates > 0:
		return duplicate
	case r.Err == nil && r.Receipt.Status == "queued":
		return queued
	case r.Err == nil && r.Receipt.Status == "captured":
		return captured
	case errors.Is(r.Err, payments.ErrDeclined):
		return declined
	}
	return failed
}

// untouched reports that the call passed through the policy as if it were
// not there: no retry, no fallback, nothing recorded by the breaker.
func (r result) untouched() bool {
	return r.Events == (counts{}) && len(r.Transitions) == 0 &&
		r.Before.Calls == r.After.Calls && r.Before.Failures == r.After.Failures
}

func (a *account) results() []result {
	var all []result
	for _, p := range a.Phases {
		all = append(all, p.Orders...)
	}
	return all
}

func (a *account) transitions() []transition {
	var all []transition
	for _, p := range a.Phases {
		all = append(all, p.Waited...)
		for _, r := range p.Orders {
			all = append(all, r.Transitions...)
		}
	}
	return all
}

// totals adds up the whole run.
type totals struct {
	Orders, Requests int
	Verdicts         map[string]int
	Events           counts
}

func (a *account) totals() totals {
	t := totals{Verdicts: map[string]int{}}
	for _, r := range a.results() {
		t.Orders++
		t.Requests += r.Requests
		t.Verdicts[r.verdict()]++
		t.Events = t.Events.plus(r.Events)
	}
	return t
}

func writeHeader(w io.Writer) {
	fmt.Fprintln(w, "Baldur payments demo")
	fmt.Fprintln(w, "  PaymentGateway over JSON/HTTP to a fake provider on 127.0.0.1 (random port),")
	fmt.Fprintln(w, "  wrapped by the generated PaymentGatewayProtected. \"requests\" counts what the")
	fmt.Fprintln(w, "  provider received for an order, \"retries\" the attempts after the first.")
	fmt.Fprintln(w, "  Charge's annotation:")
	fmt.Fprintln(w, "    "+chargeAnnotation)
	fmt.Fprintln(w, "  Runtime configuration (what baldur.yaml would say):")
	for _, l := range strings.Split(strings.TrimRight(demoConfig, "\n"), "\n") {
		fmt.Fprintln(w, "    "+l)
	}
}

func writePhase(w io.Writer, n int, p phaseResult) {
	fmt.Fprintf(w, "\n%d. %s\n", n, p.Title)
	if len(p.Waited) > 0 {
		fmt.Fprintf(w, "   waited for the open period to end: breaker %s\n", path(p.Waited))
	}
	fmt.Fprintf(w, "   %-7s %-8s %8s  %-9s  %8s  %7s  %s\n", "order", "tier", "amount", "result", "requests", "retries", "notes")
	for _, r := range p.Orders {
		line := fmt.Sprintf("   %-7s %-8s %8s  %-9s  %8d  %7d  %s",
			r.Order.ID, r.Order.Tier, money(r.Order.Amount), r.verdict(), r.Requests, r.Events.Retries, strings.Join(r.notes(), "; "))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	writeReplays(w, p.Replayed)
	fmt.Fprintf(w, "   breaker %s: %s\n", breakerName, describe(p.After))
}

func (r result) notes() []string {
	var n []string
	e := r.Events
	if r.Before.State == baldur.StateHalfOpen {
		n = append(n, "half-open probe")
	}
	if e.Timeouts > 0 {
		n = append(n, plural(e.Timeouts, "attempt")+" timed out")
	}
	if len(r.Transitions) > 0 {
		n = append(n, "breaker "+path(r.Transitions))
	}
	switch {
	case e.Rejected > 0 && r.Requests == 0:
		n = append(n, "rejected by the open breaker")
	case e.Rejected > 0:
		n = append(n, "retry rejected by the open breaker")
	case r.verdict() == queued:
		n = append(n, fmt.Sprintf("all %d attempts failed", r.Requests))
	}
	if e.Fallbacks > 0 {
		n = append(n, "dead-lettered; queuedCharge answered")
	}
	if r.verdict() == duplicate {
		n = append(n, "the first charge's receipt, from the idempotency store; the provider was not asked")
	}
	if r.verdict() == declined && r.untouched() {
		n = append(n, "passed through: no retry, breaker not told, no fallback")
	}
	return n
}

func writeTotals(w io.Writer, a *account) {
	t := a.totals()
	e := t.Events
	fmt.Fprintln(w, "\nAccount")
	fmt.Fprintf(w, "  orders placed       %3d  captured %d, declined %d, queued by the fallback %d, duplicates %d, failed %d\n",
		t.Orders, t.Verdicts[captured], t.Verdicts[declined], t.Verdicts[queued], t.Verdicts[duplicate], t.Verdicts[failed])
	fmt.Fprintf(w, "  provider requests   %3d  = %d calls - %d duplicates + %d retries - %d attempts rejected by the open breaker\n",
		t.Requests, t.Orders, e.Duplicates, e.Retries, e.Rejected)
	fmt.Fprintf(w, "  duplicates answered %3d  without a request, with the first charge's receipt\n", e.Duplicates)
	fmt.Fprintf(w, "  attempts timed out  %3d\n", e.Timeouts)
	fmt.Fprintf(w, "  fallback answers    %3d\n", e.Fallbacks)
	fmt.Fprintf(w, "  charges taken       %3d  (one per captured or replayed order)\n", a.Captured)
	fmt.Fprintf(w, "  breaker             %s\n", path(a.transitions()))
	once := 0
	for _, r := range a.Replayed {
		if r.Answered == 1 {
			once++
		}
	}
	fmt.Fprintf(w, "  dead letters        queued %d → replayed %d, charged once each: %v; %d left in the queue\n",
		t.Verdicts[queued], len(a.Replayed), once == len(a.Replayed) && len(a.Replayed) == t.Verdicts[queued], a.Left)
}

func writeReplays(w io.Writer, rs []replayed) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "   the breaker closed, so the dead-letter queue replayed what it held:")
	fmt.Fprintf(w, "   %-7s %-8s %8s  %s\n", "order", "tier", "amount", "charge requests the provider answered, in all")
	for _, r := range rs {
		fmt.Fprintf(w, "   %-7s %-8s %8s  %d\n", r.Order.ID, r.Order.Tier, money(r.Order.Amount), r.Answered)
	}
}

func describe(m baldur.BreakerMetrics) string {
	if m.State != baldur.StateClosed {
		return m.State.String()
	}
	return fmt.Sprintf("closed; window holds %s, %d failed", plural(int(m.Calls), "call"), m.Failures)
}

// path renders transitions as closed → open → half-open.
func path(ts []transition) string {
	if len(ts) == 0 {
		return "no transition"
	}
	s := []string{ts[0].From.String()}
	for i, t := range ts {
		if i > 0 && t.From != ts[i-1].To {
			s = append(s, "…", t.From.String())
		}
		s = append(s, t.To.String())
	}
	return strings.Join(s, " → ")
}

func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		word = strings.TrimSuffix(word, "y") + "ie"
	}
	return fmt.Sprintf("%d %ss", n, word)
}
