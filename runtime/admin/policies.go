package admin

import (
	"fmt"
	"net/http"
	"strings"

	baldur "github.com/baldur-go/baldur/runtime"
)

// policyView is one policy with its configuration as it resolved.
type policyView struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	// Layers are the runtime's, outermost first (Policy.Layers).
	Layers     []string `json:"layers"`
	Breaker    string   `json:"breaker,omitempty"`
	BreakerKey string   `json:"breaker_key,omitempty"`
	// Settings are every setting of the policy, with the level it came
	// from; BreakerSettings, its breaker's.
	Settings        []setting      `json:"settings"`
	BreakerSettings []setting      `json:"breaker_settings,omitempty"`
	Overrides       []overrideView `json:"overrides,omitempty"`
}

type setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	From  string `json:"from"`
}

// overrideView is one override: when it applies, and the settings it
// changes from the policy's.
type overrideView struct {
	When     map[string]string `json:"when"`
	Settings []setting         `json:"settings"`
}

func (h *handler) policies(w http.ResponseWriter, r *http.Request) {
	ps := h.rt.Policies()
	out := struct {
		Policies []policyView `json:"policies"`
	}{Policies: make([]policyView, 0, len(ps))}
	for _, p := range ps {
		out.Policies = append(out.Policies, viewPolicy(p))
	}
	writeJSON(w, http.StatusOK, out)
}

func viewPolicy(p *baldur.Policy) policyView {
	x := p.Explain()
	v := policyView{
		Name: p.Name(), Method: p.Method(), Layers: p.Layers(), Breaker: x.Breaker, BreakerKey: x.BreakerKey,
		// A breaker is tuned under breakers.<name>, not in the policy: its
		// settings are listed apart, from the breaker's own resolution.
		Settings: settings(x.Policy, x.From, func(key string) bool {
			return strings.HasPrefix(key, "breaker.") && key != "breaker.enabled"
		}),
	}
	if v.Layers == nil {
		v.Layers = []string{}
	}
	if x.Breaker != "" {
		v.BreakerSettings = settings(x.BreakerCfg, x.BreakerFrom, func(key string) bool { return key == "enabled" })
	}
	policy := map[string]string{}
	for _, s := range baldur.SettingsOf(x.Policy, "") {
		policy[s.Key] = s.Value
	}
	for i, o := range x.Overrides {
		// An override resolves on top of the policy: what it changes is
		// what differs from the policy's own value.
		from := fmt.Sprintf("policies.%s.overrides[%d]", p.Name(), i)
		ov := overrideView{When: o.When, Settings: []setting{}}
		for _, s := range baldur.SettingsOf(o.Policy, "") {
			if s.Value != policy[s.Key] {
				ov.Settings = append(ov.Settings, setting{Key: s.Key, Value: s.Value, From: from})
			}
		}
		v.Overrides = append(v.Overrides, ov)
	}
	return v
}

// settings lists the set values of a configuration section with the level
// each came from, leaving out those skip names.
func settings(section any, from map[string]string, skip func(key string) bool) []setting {
	out := []setting{}
	for _, s := range baldur.SettingsOf(section, "") {
		if !skip(s.Key) {
			out = append(out, setting{Key: s.Key, Value: s.Value, From: from[s.Key]})
		}
	}
	return out
}
