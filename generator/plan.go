package generator

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"

	"github.com/baldur-go/baldur/parser"
	baldur "github.com/baldur-go/baldur/runtime"
)

// Plan is what baldurgen plan reports: every protected method's layers,
// outermost first, with the configuration in effect once every level is
// merged and the level each value came from.
type Plan struct {
	Policies []PolicyPlan `json:"policies"`
}

// PolicyPlan is one protected method.
type PolicyPlan struct {
	Policy string   `json:"policy"`
	Method string   `json:"method"`
	At     string   `json:"at"`
	Fields []string `json:"fields,omitempty"`
	// Layers are fallback, dead_letter, idempotency, retry, breaker and
	// timeout, in this order, each whether active or not.
	Layers    []Layer        `json:"layers"`
	Overrides []OverridePlan `json:"overrides,omitempty"`
}

// Layer is one layer of a protected call.
type Layer struct {
	Layer   string `json:"layer"`
	Active  bool   `json:"active"`
	Summary string `json:"summary"`
	// What the annotation says beside the configuration.
	Func      string    `json:"func,omitempty"`      // fallback
	Signature string    `json:"signature,omitempty"` // dead_letter
	Key       string    `json:"key,omitempty"`       // idempotency: the key's path; breaker: breaker_key
	Breaker   string    `json:"breaker,omitempty"`
	Classify  string    `json:"classify,omitempty"`
	RetryOn   []string  `json:"retry_on,omitempty"`
	AbortOn   []string  `json:"abort_on,omitempty"`
	Ignore    []string  `json:"ignore,omitempty"`
	Settings  []Setting `json:"settings,omitempty"`
}

// Setting is one configuration value and the level it came from:
// built-in, mesh, defaults, annotation, policies.<name> or
// breakers.<name>.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	From  string `json:"from"`
}

// OverridePlan is one of a policy's overrides, resolved on top of it: the
// settings it changes.
type OverridePlan struct {
	When     map[string]string `json:"when"`
	Settings []Setting         `json:"settings"`
}

// Plan explains every protected method of the run under cfg (nil for no
// configuration file), as the runtime would resolve it: each method's
// baldur.Spec is built from the model as its generated constructor
// builds it, and baldur.Config.Explain resolves it. Positions are
// relative to dir.
func (r *Result) Plan(cfg *baldur.Config, dir string) *Plan {
	if cfg == nil {
		cfg = &baldur.Config{}
	}
	plan := &Plan{Policies: []PolicyPlan{}}
	seen := map[string]bool{}
	for _, pkg := range r.model {
		for _, f := range pkg.Files {
			for _, iface := range f.Interfaces {
				for _, m := range iface.Methods {
					if m.Policy == nil || seen[m.Policy.Name] {
						continue // unprotected, or embedded twice
					}
					seen[m.Policy.Name] = true
					plan.Policies = append(plan.Policies, explain(cfg, pkg, m, dir))
				}
			}
		}
	}
	return plan
}

func explain(cfg *baldur.Config, pkg *parser.Package, m *parser.Method, dir string) PolicyPlan {
	p := m.Policy
	x := cfg.Explain(specOf(m))
	pos := m.Pos
	pos.Filename = Relative(pos.Filename, dir)
	pp := PolicyPlan{Policy: p.Name, Method: m.ID, At: fmt.Sprintf("%s:%d:%d", pos.Filename, pos.Line, pos.Column), Fields: p.FieldNames()}
	policy := baldur.SettingsOf(x.Policy, "")
	from := func(prefixes ...string) []Setting {
		var out []Setting
		for _, s := range policy {
			for _, pre := range prefixes {
				if s.Key == pre || strings.HasPrefix(s.Key, pre+".") {
					out = append(out, Setting{Key: s.Key, Value: s.Value, From: x.From[s.Key]})
					break
				}
			}
		}
		return out
	}
	name := func(obj types.Object) string {
		if obj.Pkg() == nil || obj.Pkg() == pkg.Types {
			return obj.Name()
		}
		return obj.Pkg().Name() + "." + obj.Name()
	}

	fallback := Layer{Layer: "fallback", Summary: "none"}
	if p.Fallback != nil {
		fallback.Active, fallback.Func = true, name(p.Fallback)
		fallback.Summary = fallback.Func
	}
	dlq := Layer{Layer: "dead_letter", Summary: "none"}
	if p.DeadLetter != nil {
		dlq.Active, dlq.Signature = true, p.DeadLetter.Signature
		dlq.Summary = "captured on a final failure, replayed later"
	}
	idem := Layer{Layer: "idempotency", Summary: "none"}
	if p.Key != nil {
		idem.Active, idem.Key = true, keyText(m)
		idem.Summary = "key " + idem.Key
		idem.Settings = from("idempotency")
	}
	attempts := x.Policy.Retry.Attempts.Value()
	retry := Layer{Layer: "retry", Active: attempts > 1, Summary: "off: 1 attempt", Settings: from("retry", "budget", "mesh")}
	if attempts > 1 {
		retry.Summary = strconv.Itoa(attempts) + " attempts"
	}
	if p.Classify != nil {
		retry.Classify = name(p.Classify.Func)
	}
	for _, l := range []struct {
		dst  *[]string
		vars []*types.Var
	}{{&retry.RetryOn, p.RetryOn}, {&retry.AbortOn, p.AbortOn}, {&retry.Ignore, p.Ignore}} {
		for _, v := range l.vars {
			*l.dst = append(*l.dst, name(v))
		}
	}
	breaker := Layer{Layer: "breaker", Active: x.Breaker != "", Summary: "none", Breaker: x.Breaker, Key: x.BreakerKey, Settings: from("breaker.enabled")}
	if x.Breaker != "" {
		breaker.Summary = x.Breaker
		if x.BreakerKey != "" {
			breaker.Summary += ", one per " + x.BreakerKey
		}
		for _, s := range baldur.SettingsOf(x.BreakerCfg, "") {
			if s.Key == "enabled" {
				continue // the policy's, above
			}
			breaker.Settings = append(breaker.Settings, Setting{Key: "breaker." + s.Key, Value: s.Value, From: x.BreakerFrom[s.Key]})
		}
	}
	timeout := Layer{Layer: "timeout", Active: x.Policy.Timeout.Value() > 0, Summary: "none", Settings: from("timeout")}
	if timeout.Active {
		timeout.Summary = x.Policy.Timeout.Value().String() + " per attempt"
	}
	if i, _ := parser.Outlives(m.Sig); i >= 0 && timeout.Active { // clients: the call gets the caller's context
		timeout.Active, timeout.Summary = false, "none: the result outlives the call, which gets the caller's context ("+x.Policy.Timeout.Value().String()+" configured is not applied)"
	}
	pp.Layers = []Layer{fallback, dlq, idem, retry, breaker, timeout}

	// An override shows its timeout and attempts, and the other retry
	// settings it changes from the policy's.
	base := map[string]string{}
	for _, s := range policy {
		base[s.Key] = s.Value
	}
	for _, o := range x.Overrides {
		op := OverridePlan{When: o.When}
		for _, s := range baldur.SettingsOf(o.Policy, "") {
			if s.Key == "timeout" || s.Key == "retry.attempts" || strings.HasPrefix(s.Key, "retry.") && base[s.Key] != s.Value {
				op.Settings = append(op.Settings, Setting{Key: s.Key, Value: s.Value, From: "policies." + p.Name + ".overrides"})
			}
		}
		pp.Overrides = append(pp.Overrides, op)
	}
	return pp
}

// keyText writes an idempotency key as the annotation did.
func keyText(m *parser.Method) string {
	k := m.Policy.Key
	s := strings.Join(append([]string{m.Sig.Params().At(k.Param).Name()}, k.Path...), ".")
	if k.Call {
		s += "()"
	}
	return s
}
