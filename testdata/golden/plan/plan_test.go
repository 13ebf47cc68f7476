package plan

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

type gateway struct{}

func (gateway) Charge(ctx context.Context, orderID string, amount int64, customer Customer) (Receipt, error) {
	return Receipt{}, nil
}
func (gateway) Status(ctx context.Context, orderID string) (string, error) { return "", nil }
func (gateway) Query(ctx context.Context, host string) error               { return nil }

// plan is the part of baldurgen plan --json this test reads.
type plan struct {
	Policies []struct {
		Policy string
		Layers []struct {
			Layer    string
			Active   bool
			Breaker  string
			Key      string
			Settings []setting
		}
		Overrides []struct {
			When     map[string]string
			Settings []setting
		}
	}
}

type setting struct{ Key, Value, From string }

// What baldurgen plan printed (want/plan.json, compared with its output by
// the generator's TestPlan) is what the runtime says of the decorators it
// built from the same baldur.yaml: the plan's Specs are the generated
// constructor's.
func TestPlanIsWhatTheRuntimeBuilt(t *testing.T) {
	data, err := os.ReadFile("want/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	var want plan
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	rt, err := baldur.New(baldur.WithConfigFile("baldur.yaml"), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	NewGatewayProtected(gateway{}, rt)
	built := map[string]*baldur.Policy{}
	for _, p := range rt.Policies() {
		built[p.Name()] = p
	}
	if len(built) != len(want.Policies) {
		t.Fatalf("the runtime built %d policies, the plan has %d", len(built), len(want.Policies))
	}
	for _, pp := range want.Policies {
		p := built[pp.Policy]
		if p == nil {
			t.Fatalf("the plan's %s was not built", pp.Policy)
		}
		x := p.Explain()
		got := map[string]setting{}
		for _, s := range baldur.SettingsOf(x.Policy, "") {
			got[s.Key] = setting{s.Key, s.Value, x.From[s.Key]}
		}
		for _, s := range baldur.SettingsOf(x.BreakerCfg, "") {
			if s.Key != "enabled" {
				got["breaker."+s.Key] = setting{"breaker." + s.Key, s.Value, x.BreakerFrom[s.Key]}
			}
		}
		checked := 0
		for _, l := range pp.Layers {
			if l.Layer == "breaker" && (l.Breaker != x.Breaker || l.Key != x.BreakerKey) {
				t.Errorf("%s: breaker %q keyed by %q in the plan, %q by %q built", pp.Policy, l.Breaker, l.Key, x.Breaker, x.BreakerKey)
			}
			for _, s := range l.Settings {
				if g := got[s.Key]; g != s {
					t.Errorf("%s: plan says %+v, the runtime %+v", pp.Policy, s, g)
				}
				checked++
			}
		}
		if len(pp.Overrides) != len(x.Overrides) {
			t.Errorf("%s: %d overrides in the plan, %d built", pp.Policy, len(pp.Overrides), len(x.Overrides))
			continue
		}
		for i, o := range pp.Overrides {
			ov := x.Overrides[i]
			byKey := map[string]string{}
			for _, s := range baldur.SettingsOf(ov.Policy, "") {
				byKey[s.Key] = s.Value
			}
			for _, s := range o.Settings {
				if byKey[s.Key] != s.Value {
					t.Errorf("%s: override %v: plan says %s=%s, the runtime %s", pp.Policy, o.When, s.Key, s.Value, byKey[s.Key])
				}
			}
		}
		if checked < 10 {
			t.Errorf("%s: only %d settings checked", pp.Policy, checked)
		}
	}
}
