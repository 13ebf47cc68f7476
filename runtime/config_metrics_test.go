package baldur_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// metrics.fields is a list of names, read in its order without repeats;
// anything else is reported where the file says it.
func TestMetricsFields(t *testing.T) {
	rt, err := baldur.New(baldur.WithConfigYAML([]byte("metrics:\n  fields: [tier, region, tier]\n")))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if got := rt.MetricsFields(); !slices.Equal(got, []string{"tier", "region"}) {
		t.Fatalf("MetricsFields %v, want [tier region]", got)
	}
	for yaml, want := range map[string]string{
		"metrics:\n  fields: tier\n":        `baldur.yaml:2:11: metrics.fields: expected a list, found "tier"`,
		"metrics:\n  fields: [{a: b}]\n":    "baldur.yaml:2:12: metrics.fields[0]: expected a string, found a mapping",
		"metrics:\n  field: [tier]\n":       `unknown key "field" in metrics; did you mean "fields"?`,
		"metrics:\n  fields: [tier, [x]]\n": "metrics.fields[1]: expected a string, found a list",
	} {
		_, err := baldur.ParseConfig("baldur.yaml", []byte(yaml))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %s", yaml, err, want)
		}
	}
	none, _ := baldur.New()
	defer none.Close()
	if got := none.MetricsFields(); got != nil {
		t.Fatalf("MetricsFields without a metrics section: %v", got)
	}
}

// Layers lists what the runtime runs for a policy, outermost first.
func TestPolicyLayers(t *testing.T) {
	rt, err := baldur.New(baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, c := range []struct {
		spec baldur.Spec
		want string
	}{
		{baldur.Spec{Name: "bare", Method: "t.bare"}, ""},
		{baldur.Spec{Name: "all", Method: "t.all", Dedupe: true, Retry: true, Breaker: "b", Timeout: 1e9,
			DeadLetter: &baldur.DeadLetterSpec{Replay: func(context.Context, []byte) error { return nil }}},
			"dead-letter idempotency retry breaker timeout"},
		{baldur.Spec{Name: "keyed", Method: "t.keyed", Breaker: "k", BreakerKey: "tenant"}, "breaker"},
		{baldur.Spec{Name: "once", Method: "t.once", Retry: true, Attempts: 1}, ""},
	} {
		if got := strings.Join(rt.Policy(c.spec).Layers(), " "); got != c.want {
			t.Errorf("%s: layers %q, want %q", c.spec.Name, got, c.want)
		}
	}
}

// Asking whether the runtime has a queue does not make one; building a
// policy with dead-letter capture does.
func TestDeadLettersInUse(t *testing.T) {
	rt, err := baldur.New(baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if rt.DeadLettersInUse() {
		t.Fatal("a new runtime has a dead-letter queue")
	}
	rt.Policy(baldur.Spec{Name: "p", Method: "t.p", DeadLetter: &baldur.DeadLetterSpec{Replay: func(context.Context, []byte) error { return nil }}})
	if !rt.DeadLettersInUse() {
		t.Fatal("a policy with dead-letter capture left the runtime without a queue")
	}
}
