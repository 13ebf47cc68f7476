package baldur_test

import (
	"errors"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// R7: 1000 calls/s, every attempt failing, for 10 s, 3 attempts a call.
// Without a budget that is 20,000 retries; with the default budget (20 %
// of the calls counted in the last 10 s, plus a floor of 10 retries/s over
// those 10 s) it is at most 0.2*10,000 + 100.
func TestR7BudgetCapsRetriesDuringAnIncident(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3})
	var inner counter
	refused := 0
	for range 10000 {
		err := p.Do(bg, nil, inner.fn(errBoom))
		if errors.Is(err, baldur.ErrRetryBudget) {
			var re *baldur.RetryError
			if !errors.As(err, &re) || re.Stop != baldur.ErrRetryBudget || !errors.Is(err, errBoom) {
				t.Fatalf("budget refusal %v does not carry the last error", err)
			}
			refused++
		}
		e.clock.Advance(time.Millisecond)
	}
	retries := inner.n() - 10000
	// Every call of the 10 s is still in the budget's TTL when the last
	// ones fail, so the budget is spent exactly.
	if retries != 2100 {
		t.Fatalf("%d retries for 10,000 calls, want 0.2*10,000 + 10/s*10 s = 2,100", retries)
	}
	if refused == 0 || e.count(baldur.EventRetryBudget) != refused {
		t.Fatalf("%d refusals, %d budget events", refused, e.count(baldur.EventRetryBudget))
	}
	m, ok := e.rt.Budget("dep")
	if !ok || !m.Active {
		t.Fatalf("budget %+v, %v: want it active", m, ok)
	}
}

// The floor alone pays for the retries at the start of an incident, when
// no call has been counted yet.
func TestR7FloorCoversTheStartOfAnIncident(t *testing.T) {
	e := newEnv(t, zeroDelay+`  budget: {percent: 0, min_retries_per_second: 1, ttl: 5s}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 2})
	var inner counter
	for range 10 {
		p.Do(bg, nil, inner.fn(errBoom))
	}
	if retries := inner.n() - 10; retries != 5 {
		t.Fatalf("%d retries, want the floor's 5 (1/s over 5 s)", retries)
	}
}

func TestR7BudgetRecovers(t *testing.T) {
	e := newEnv(t, zeroDelay+`  budget: {percent: 20, min_retries_per_second: 0.1, ttl: 10s}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 2})
	var inner counter
	for range 3 { // the floor is 1 retry; then the budget is spent
		p.Do(bg, nil, inner.fn(errBoom))
	}
	if err := p.Do(bg, nil, inner.fn(errBoom)); !errors.Is(err, baldur.ErrRetryBudget) {
		t.Fatalf("err %v, want the budget spent", err)
	}
	// Successful calls while the budget is active are counted: 20 % of
	// 10 of them buy two retries.
	for range 10 {
		if err := do(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := inner.n()
	p.Do(bg, nil, inner.fn(errBoom))
	p.Do(bg, nil, inner.fn(errBoom))
	if got := inner.n() - before; got != 4 {
		t.Fatalf("%d attempts for 2 failing calls after recovery, want 4", got)
	}
	// A TTL without failures: the budget goes idle and forgets everything.
	e.clock.Advance(11 * time.Second)
	if m, _ := e.rt.Budget("dep"); m.Active || m.Calls != 0 || m.Retries != 0 {
		t.Fatalf("budget after a quiet TTL: %+v, want idle and empty", m)
	}
	// Idle, successful calls are not counted: no shared write per call.
	for range 100 {
		do(p, nil)
	}
	if m, _ := e.rt.Budget("dep"); m.Calls != 0 {
		t.Fatalf("an idle budget counted %d calls", m.Calls)
	}
}

func TestBudgetIsPerPolicyName(t *testing.T) {
	e := newEnv(t, zeroDelay+`  budget: {percent: 0, min_retries_per_second: 0.1, ttl: 10s}
`)
	a := e.policy(baldur.Spec{Name: "a", Retry: true, Attempts: 2})
	b := e.policy(baldur.Spec{Name: "b", Retry: true, Attempts: 2})
	var inner counter
	a.Do(bg, nil, inner.fn(errBoom))
	a.Do(bg, nil, inner.fn(errBoom))
	b.Do(bg, nil, inner.fn(errBoom))
	if inner.n() != 5 { // a: 2+1, b: 2
		t.Fatalf("%d attempts, want 5: a's spent budget must not limit b", inner.n())
	}
	if _, ok := e.rt.Budget("c"); ok {
		t.Fatal("a budget exists for an unknown policy")
	}
}
