package admin

import (
	"encoding"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

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
		Settings: flatten(reflect.ValueOf(x.Policy), "", x.From, func(key string) bool {
			return strings.HasPrefix(key, "breaker.") && key != "breaker.enabled"
		}),
	}
	if v.Layers == nil {
		v.Layers = []string{}
	}
	if x.Breaker != "" {
		v.BreakerSettings = flatten(reflect.ValueOf(x.BreakerCfg), "", x.BreakerFrom, func(key string) bool { return key == "enabled" })
	}
	policy := map[string]string{}
	for _, s := range v.Settings {
		policy[s.Key] = s.Value
	}
	for i, o := range x.Overrides {
		// An override resolves on top of the policy: what it changes is
		// what differs from the policy's own value.
		from := fmt.Sprintf("policies.%s.overrides[%d]", p.Name(), i)
		all := append([]setting{{Key: "timeout", Value: shortDuration(o.Timeout)}},
			flatten(reflect.ValueOf(o.Retry), "retry", nil, func(string) bool { return false })...)
		ov := overrideView{When: o.When, Settings: []setting{}}
		for _, s := range all {
			if s.Value != policy[s.Key] {
				s.From = from
				ov.Settings = append(ov.Settings, s)
			}
		}
		v.Overrides = append(v.Overrides, ov)
	}
	return v
}

// optValue is what every baldur.Opt has.
type optValue interface{ IsSet() bool }

// flatten lists the set settings of a configuration struct by key path,
// the way baldur.yaml writes them, with the level each came from.
func flatten(v reflect.Value, prefix string, from map[string]string, skip func(key string) bool) []setting {
	var out []setting
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		if !sf.IsExported() || tag == "" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		fv := v.Field(i)
		if o, ok := fv.Interface().(optValue); ok {
			if o.IsSet() && !skip(key) {
				out = append(out, setting{Key: key, Value: format(fv.MethodByName("Value").Call(nil)[0]), From: from[key]})
			}
			continue
		}
		if fv.Kind() == reflect.Struct {
			out = append(out, flatten(fv, key, from, skip)...)
		}
	}
	return out
}

// format writes a value the way baldur.yaml does.
func format(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return shortDuration(x)
	case encoding.TextMarshaler:
		b, _ := x.MarshalText()
		return string(b)
	}
	return fmt.Sprint(v.Interface())
}

// shortDuration writes d as a person would: 24h, 1m30s, 250ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
