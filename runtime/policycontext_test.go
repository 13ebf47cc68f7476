package baldur_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// protectedCall is what a generated decorator does for a method with the
// parameters orderID and tier: fields gathered only when read, the
// interceptor's begin and end around the policy.
func protectedCall(p *baldur.Policy, ctx context.Context, orderID, tier string, fn func(context.Context) error) error {
	pc := p.Call()
	if p.NeedsFields() {
		pc = p.Call(baldur.String("order_id", orderID), baldur.String("tier", tier), baldur.Int("amount", 100))
	}
	ctx = p.Begin(ctx, &pc)
	err := p.Do(ctx, &pc, fn)
	return p.End(ctx, &pc, err)
}

// An observer can tie every event to the call it happened in: its attempt
// and its business fields, and the fields middleware set.
func TestEventsCarryTheCallsContext(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "charge", Retry: true, Attempts: 3})
	ctx := baldur.WithFields(bg, "tenant", "acme", "order_id", "shadowed")
	protectedCall(p, ctx, "o-1", "gold", func(context.Context) error { return errBoom })
	e.mu.Lock()
	defer e.mu.Unlock()
	var retries []baldur.Event
	for _, ev := range e.events {
		if ev.Kind == baldur.EventRetry {
			retries = append(retries, ev)
		}
	}
	if len(retries) != 2 {
		t.Fatalf("%d retry events, want 2", len(retries))
	}
	for i, ev := range retries {
		c := ev.Context
		order, _ := c.Field("order_id")
		tenant, _ := c.Field("tenant")
		amount, _ := c.Field("amount")
		if c.Policy() != "charge" || c.Attempt() != i+1 || order != "o-1" || tenant != "acme" || amount != "100" {
			t.Errorf("retry %d: policy %q attempt %d order %q tenant %q amount %q", i+1, c.Policy(), c.Attempt(), order, tenant, amount)
		}
	}
	var names []string
	for name := range retries[0].Context.Fields() {
		names = append(names, name)
	}
	if got := strings.Join(names, ","); got != "order_id,tier,amount,tenant" {
		t.Errorf("fields in order %s; the call's own come first, middleware's after, a shadowed one once", got)
	}
}

// Fields reach the log as attributes, escaped: an order ID crafted to
// forge a record stays inside its own.
func TestLogRecordsCarryFieldsEscaped(t *testing.T) {
	var buf bytes.Buffer
	rt, err := baldur.New(baldur.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		baldur.WithConfigYAML([]byte(zeroDelay)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Retry: true, Attempts: 2})
	protectedCall(p, bg, "o-1\nlevel=ERROR msg=forged", "gold", func(context.Context) error { return errBoom })
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "level=ERROR") {
			t.Fatalf("a forged record: %q", l)
		}
	}
	if !strings.Contains(buf.String(), `fields.order_id="o-1\nlevel=ERROR msg=forged"`) || !strings.Contains(buf.String(), "fields.tier=gold") {
		t.Fatalf("the fields are not attributes of the records:\n%s", buf.String())
	}
}

// Classify decides before the lists: retry what abort_on would stop, stop
// what would be retried, and make a business outcome of an error.
func TestClassifyDecides(t *testing.T) {
	errRateLimited, errBadCard := errors.New("rate limited"), errors.New("bad card")
	decide := func(c baldur.PolicyContext, err error) baldur.Decision {
		switch {
		case errors.Is(err, errRateLimited):
			return baldur.DecideRetry
		case errors.Is(err, errBadCard):
			return baldur.DecideIgnore
		case errors.Is(err, errBoom):
			if tier, _ := c.Field("tier"); tier == "free" {
				return baldur.DecideFail
			}
		}
		return baldur.DecideDefault
	}
	e := newEnv(t, zeroDelay+"breakers:\n  charge: {size: 100, minimum_calls: 100}\n")
	p := e.policy(baldur.Spec{Name: "charge", Retry: true, Attempts: 3, Breaker: "charge", AbortOn: []error{errRateLimited}, Classify: decide})
	for _, tc := range []struct {
		name     string
		err      error
		tier     string
		attempts int
		failures int64
		fallback bool
	}{
		{"retry beats abort_on", errRateLimited, "gold", 3, 3, true},
		{"fail stops a retryable error", errBoom, "free", 1, 1, true},
		{"default keeps the rules", errBoom, "gold", 3, 3, true},
		{"ignore is a business outcome", errBadCard, "gold", 1, 0, false},
	} {
		before := p.Breaker().Metrics().Failures
		var inner counter
		pc := p.Call(baldur.String("tier", tc.tier))
		err := p.Do(bg, &pc, inner.fn(tc.err))
		if inner.n() != tc.attempts || p.Breaker().Metrics().Failures-before != tc.failures || p.ShouldFallback(bg, &pc, err) != tc.fallback {
			t.Errorf("%s: %d attempts, %d failures counted, fallback %v; want %d, %d, %v",
				tc.name, inner.n(), p.Breaker().Metrics().Failures-before, !tc.fallback, tc.attempts, tc.failures, tc.fallback)
		}
		if tc.err == errBadCard && err != errBadCard {
			t.Errorf("an ignored error did not come back as is: %v", err)
		}
	}
}

// A classifier of results judges a success a failure (an HTTP 503): it is
// retried and counted, and with no fallback the caller gets the last
// attempt's results as they were.
func TestJudgedResults(t *testing.T) {
	e := newEnv(t, zeroDelay+"breakers:\n  health: {size: 100, minimum_calls: 100}\n")
	p := e.policy(baldur.Spec{Name: "health", Retry: true, Attempts: 3, Breaker: "health", JudgesResults: true})
	statuses := []int{503, 503, 503}
	n := 0
	var status int
	pc := p.Call()
	err := p.Do(bg, &pc, func(context.Context) error {
		status = statuses[n]
		n++
		d := baldur.DecideDefault
		if status == 503 {
			d = baldur.DecideRetry
		}
		return p.Judge(d, nil)
	})
	if n != 3 || p.Breaker().Metrics().Failures != 3 {
		t.Fatalf("%d attempts, %d failures counted; want 3 and 3", n, p.Breaker().Metrics().Failures)
	}
	if !p.ShouldFallback(bg, &pc, err) {
		t.Error("a fallback may answer a call whose results were judged failures")
	}
	if got := p.FinalError(err); got != nil || status != 503 {
		t.Fatalf("without a fallback: %v with status %d; want the last response and no error", got, status)
	}
}

// Overrides change retry and timeout for calls whose fields match, first
// match wins; an override on a field the method never carries can never
// apply, and CheckConfig says so.
func TestOverridesByBusinessContext(t *testing.T) {
	e := newEnv(t, zeroDelay+`policies:
  charge:
    overrides:
      - when: {tier: critical}
        retry: {attempts: 6}
      - when: {tier: critical, region: eu}
        retry: {attempts: 2}
      - when: {plan: enterprise}
        retry: {attempts: 9}
`)
	p := e.policy(baldur.Spec{Name: "charge", Retry: true, Attempts: 3, Fields: []string{"order_id", "tier", "amount"}})
	for tier, want := range map[string]int{"critical": 6, "gold": 3} {
		var inner counter
		protectedCall(p, bg, "o-1", tier, inner.fn(errBoom))
		if inner.n() != want {
			t.Errorf("tier %s: %d attempts, want %d", tier, inner.n(), want)
		}
	}
	err := e.rt.CheckConfig()
	if err == nil || !strings.Contains(err.Error(), "policies.charge.overrides[1].when: test.Dep.charge never carries [region]") ||
		!strings.Contains(err.Error(), "overrides[2].when: test.Dep.charge never carries [plan]") {
		t.Fatalf("CheckConfig: %v", err)
	}
}

// One tenant's failures open its own breaker, not the others'; the keys
// are bounded, and a dropped key's breaker starts closed again.
func TestKeyedBreakers(t *testing.T) {
	e := newEnv(t, zeroDelay+"breakers:\n  db: {size: 2, minimum_calls: 2, max_keys: 2}\n")
	p := e.policy(baldur.Spec{Name: "query", Breaker: "db", BreakerKey: "tenant"})
	call := func(tenant string, err error) error {
		pc := p.Call(baldur.String("tenant", tenant))
		return p.Do(bg, &pc, func(context.Context) error { return err })
	}
	call("acme", errBoom)
	call("acme", errBoom)
	if err := call("acme", nil); !errors.Is(err, baldur.ErrBreakerOpen) {
		t.Fatalf("acme after 2 failures: %v, want its breaker open", err)
	}
	if err := call("globex", nil); err != nil {
		t.Fatalf("globex: %v; acme's failures opened its breaker", err)
	}
	if b := e.rt.KeyedBreaker("db", "acme"); b == nil || b.State() != baldur.StateOpen || b.Key() != "acme" {
		t.Fatalf("acme's breaker: %v", b)
	}
	var opened []string
	e.mu.Lock()
	for _, ev := range e.events {
		if ev.Kind == baldur.EventBreakerTransition && ev.To == baldur.StateOpen {
			opened = append(opened, ev.Breaker+"/"+ev.BreakerKey)
		}
	}
	e.mu.Unlock()
	if strings.Join(opened, ",") != "db/acme" {
		t.Fatalf("transitions to open: %v", opened)
	}
	call("initech", nil) // a third key: the least recently used, acme, is dropped
	if e.rt.KeyedBreaker("db", "acme") != nil || len(e.rt.Breakers()) != 2 {
		t.Fatalf("after a third key: acme kept, %d breakers", len(e.rt.Breakers()))
	}
	if err := call("acme", nil); err != nil {
		t.Fatalf("acme again: %v; a dropped key's breaker starts closed", err)
	}
}

// recorder is an Interceptor that keeps what it saw.
type recordingInterceptor struct {
	mu     sync.Mutex
	ends   []baldur.CallEnd
	events []string
}

type spanKey struct{}

func (r *recordingInterceptor) Begin(ctx context.Context, c baldur.PolicyContext) (context.Context, func(baldur.CallEnd)) {
	return context.WithValue(ctx, spanKey{}, c.Policy()), func(e baldur.CallEnd) {
		r.mu.Lock()
		r.ends = append(r.ends, e)
		r.mu.Unlock()
	}
}

func (r *recordingInterceptor) Event(ctx context.Context, e baldur.Event) {
	r.mu.Lock()
	r.events = append(r.events, fmt.Sprintf("%v in %v", e.Kind, ctx.Value(spanKey{})))
	r.mu.Unlock()
}

// An interceptor sees each call from begin to end with its outcome, and
// the events inside it with the context it began.
func TestInterceptorSeesCallsWhole(t *testing.T) {
	ic := &recordingInterceptor{}
	rt, err := baldur.New(baldur.WithInterceptor(ic), baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfigYAML([]byte(zeroDelay+"breakers:\n  charge: {size: 2, minimum_calls: 2}\n")))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Retry: true, Attempts: 2, Breaker: "charge", Ignore: []error{errDeclined}})
	ok := func(context.Context) error { return nil }
	protectedCall(p, bg, "o-1", "gold", ok)
	protectedCall(p, bg, "o-2", "gold", func(context.Context) error { return errDeclined })
	protectedCall(p, bg, "o-3", "gold", func(context.Context) error { return errBoom }) // opens the breaker
	protectedCall(p, bg, "o-4", "gold", ok)
	var got []string
	for _, e := range ic.ends {
		order, _ := e.Context.Field("order_id")
		got = append(got, fmt.Sprintf("%s:%v/%d", order, e.Outcome, e.Attempts))
	}
	if want := "o-1:success/1 o-2:ignored/1 o-3:failure/2 o-4:rejected/1"; strings.Join(got, " ") != want {
		t.Fatalf("ends %v, want %s", got, want)
	}
	if !strings.Contains(strings.Join(ic.events, ";"), "retry in charge") {
		t.Fatalf("events %v: the retry did not reach the interceptor with the call's context", ic.events)
	}
}
