package baldur

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Override changes a policy's timeout and retry for the calls whose
// PolicyContext fields match When: all of them, by their text. A policy's
// overrides are tried in order and the first match wins.
type Override struct {
	When         map[string]string `yaml:"when" doc:"the fields a call must carry, by name and value, for the override to apply"`
	PolicyConfig `yaml:",inline"`
}

// variant is the part of a policy an override can change, resolved when
// the policy is built, once per override; a call only chooses one.
type variant struct {
	timeout time.Duration
	retry   RetryConfig
	when    []Field // string fields: the names and values to match
	// at is where each when field stands among the method's fields
	// (Spec.Fields, the order the decorator gathers them in), so a call
	// compares values without looking names up; -1 looks it up.
	at []int
}

// buildVariants resolves the overrides of the policy's section on top of
// its resolved configuration. A when field the method never carries can
// never match: it is reported by CheckConfig (and by baldurgen lint
// --config) and the override is left out.
func (p *Policy) buildVariants(cfg PolicyConfig, overrides []Override, fields []string) []string {
	var problems []string
	for i, o := range overrides {
		v := variant{}
		var missing []string
		for _, name := range slices.Sorted(maps.Keys(o.When)) {
			if fields != nil && !slices.Contains(fields, name) {
				missing = append(missing, name)
			}
			at := slices.Index(fields, name)
			if at >= 0 {
				// The spec's own string, which is the generated field's
				// name: comparing the two finds one pointer and stops.
				name = fields[at]
			}
			v.when = append(v.when, String(name, o.When[name]))
			v.at = append(v.at, at)
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("policies.%s.overrides[%d].when: %s never carries %v", p.name, i, p.method, missing))
			continue
		}
		c := cfg
		overlayOverride(&c, o.PolicyConfig)
		v.timeout, v.retry = c.Timeout.v, c.Retry
		p.variants = append(p.variants, v)
	}
	return problems
}

// variant is the first override whose when the call's fields match, or
// the policy's own settings.
func (p *Policy) variant(pc *PolicyContext) *variant {
	for i := range p.variants {
		if pc.matches(&p.variants[i]) {
			return &p.variants[i]
		}
	}
	return &p.base
}

// matches reports whether every when field of v is the call's, by value;
// it formats nothing. A field is found at its place among the method's,
// checked by name, and looked up by name otherwise.
func (c *PolicyContext) matches(v *variant) bool {
	for i := range v.when {
		w := &v.when[i]
		var f *Field
		if at := v.at[i]; at >= 0 && at < len(c.fields) && c.fields[at].name == w.name {
			f = &c.fields[at]
		} else if f = c.field(w.name); f == nil {
			return false
		}
		if !f.equals(w.str) {
			return false
		}
	}
	return true
}
