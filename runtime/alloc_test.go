package baldur_test

import (
	"context"
	"log/slog"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// The happy path of a protected call allocates nothing: users put Baldur
// on every request, and garbage there is paid in GC time.
func TestDoAllocatesNothingOnTheHappyPathOrWhenRejecting(t *testing.T) {
	e := newEnv(t, "")
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Breaker: "dep"})
	var out int
	call := func() {
		if err := p.Do(bg, nil, func(context.Context) error { out++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for range 200 { // fill the window so that it settles
		call()
	}
	if n := testing.AllocsPerRun(1000, call); n != 0 {
		t.Errorf("success: %v allocations per call, want 0", n)
	}
	// No observer, a quiet logger: nobody listens to per-call events.
	quiet, err := baldur.New(baldur.WithClock(e.clock), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	q := quiet.Policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	q.Breaker().ForceOpen()
	if n := testing.AllocsPerRun(1000, func() { q.Do(bg, nil, func(context.Context) error { return nil }) }); n != 0 {
		t.Errorf("rejection: %v allocations per call, want 0", n)
	}
}

// The generated shape with fields, a classifier and overrides, which make
// the decorator gather the fields on every call, still allocates nothing
// when the call succeeds. (An interceptor is given a copy of each call's
// context it may keep: that one allocates.)
func TestFieldsOverridesAndClassifyAllocateNothing(t *testing.T) {
	quiet := func(extra ...baldur.Option) *baldur.Runtime {
		rt, err := baldur.New(append([]baldur.Option{baldur.WithLogger(slog.New(slog.DiscardHandler)), baldur.WithConfigYAML([]byte(`
policies:
  charge:
    overrides:
      - when: {tier: critical}
        retry: {attempts: 6}
`))}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.Close() })
		return rt
	}
	classify := func(c baldur.PolicyContext, err error) baldur.Decision { return baldur.DecideDefault }
	for name, rt := range map[string]*baldur.Runtime{"plain": quiet()} {
		p := rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Retry: true, Breaker: "charge",
			Classify: classify, Fields: []string{"order_id", "tier", "amount"}})
		if !p.NeedsFields() {
			t.Fatalf("%s: a policy with overrides does not gather fields", name)
		}
		call := func() {
			if err := protectedCall(p, bg, "o-1", "gold", func(context.Context) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		for range 200 {
			call()
		}
		if n := testing.AllocsPerRun(1000, call); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}
