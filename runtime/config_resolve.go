package baldur

import (
	"reflect"
	"sync"
)

// Levels a resolved setting can come from, lowest first. Explain reports
// them per key.
const (
	FromDefault    = "built-in"
	FromDefaults   = "defaults"
	FromMesh       = "mesh"
	FromAnnotation = "annotation"
)

// builtins holds a value of every section type with each setting that has
// a default set to it, built from the tags once.
var builtins sync.Map // reflect.Type → reflect.Value

func builtin[T any]() T {
	t := reflect.TypeFor[T]()
	if v, ok := builtins.Load(t); ok {
		return v.(T)
	}
	var v T
	setDefaults(reflect.ValueOf(&v).Elem())
	builtins.Store(t, v)
	return v
}

func setDefaults(v reflect.Value) {
	for _, f := range fieldsOf(v.Type()) {
		fv := v.FieldByIndex(f.index)
		switch {
		case f.leaf != nil:
			if f.leaf.def.IsValid() {
				asOpt(fv).set(f.leaf.def)
			}
		case fv.Kind() == reflect.Struct:
			setDefaults(fv)
		}
	}
}

// overlay copies into dst every setting that src sets, and records in
// from (when not nil) which level each came from. Maps and lists are not
// levels of a setting and are left alone.
func overlay(dst, src reflect.Value, path, level string, from map[string]string) {
	if !src.CanAddr() {
		c := reflect.New(src.Type()).Elem()
		c.Set(src)
		src = c
	}
	for _, f := range fieldsOf(dst.Type()) {
		d, s, sub := dst.FieldByIndex(f.index), src.FieldByIndex(f.index), join(path, f.key)
		switch {
		case f.leaf != nil:
			if so := asOpt(s); so.isSet() {
				asOpt(d).set(so.value())
				if from != nil {
					from[sub] = level
				}
			}
		case d.Kind() == reflect.Struct:
			overlay(d, s, sub, level, from)
		}
	}
}

// sources records the built-in level for every setting of v.
func sources(v reflect.Value, path string, from map[string]string) {
	for _, f := range fieldsOf(v.Type()) {
		fv, sub := v.FieldByIndex(f.index), join(path, f.key)
		switch {
		case f.leaf != nil:
			if asOpt(fv).isSet() {
				from[sub] = FromDefault
			}
		case fv.Kind() == reflect.Struct:
			sources(fv, sub, from)
		}
	}
}

// defaultsLayer is the built-in policy configuration overlaid by the
// top-level mesh setting and the file's defaults.
func (c *Config) defaultsLayer() (PolicyConfig, map[string]string) {
	pc := builtin[PolicyConfig]()
	from := map[string]string{}
	v := reflect.ValueOf(&pc).Elem()
	sources(v, "", from)
	overlay(v.FieldByName("Mesh"), reflect.ValueOf(c.Mesh), "mesh", FromMesh, from)
	overlay(v, reflect.ValueOf(c.Defaults), "", FromDefaults, from)
	return pc, from
}

// annotation is the level an annotation's Spec makes.
func (s Spec) annotation() PolicyConfig {
	var a PolicyConfig
	switch {
	case !s.Retry:
		a.Retry.Attempts = Set(1)
	case s.Attempts > 0:
		a.Retry.Attempts = Set(s.Attempts)
	}
	if s.Timeout > 0 {
		a.Timeout = Set(s.Timeout)
	}
	if s.DedupeTTL > 0 {
		a.Idempotency.TTL = Set(s.DedupeTTL)
	}
	return a
}

// resolution is one policy's configuration with every level applied.
type resolution struct {
	cfg     PolicyConfig
	breaker string            // the breaker's name, "" for none
	from    map[string]string // key path → the level that set it
}

// resolve applies built-in < defaults < annotation < policies[name].
func (c *Config) resolve(spec Spec) resolution {
	pc, from := c.defaultsLayer()
	v := reflect.ValueOf(&pc).Elem()
	overlay(v, reflect.ValueOf(spec.annotation()), "", FromAnnotation, from)
	overlay(v, reflect.ValueOf(c.Policies[spec.Name]), "", "policies."+spec.Name, from)
	r := resolution{cfg: pc, breaker: spec.Breaker, from: from}
	if e, ok := pc.Breaker.Enabled.Get(); ok {
		switch {
		case !e:
			r.breaker = ""
		case r.breaker == "":
			r.breaker = spec.Name
		}
	}
	return r
}

// breakerConfig resolves the breaker called name: built-in <
// defaults.breaker < breakers[name].
func (c *Config) breakerConfig(name string) (BreakerConfig, map[string]string) {
	b := builtin[BreakerConfig]()
	from := map[string]string{}
	v := reflect.ValueOf(&b).Elem()
	sources(v, "", from)
	overlay(v, reflect.ValueOf(c.Defaults.Breaker), "", FromDefaults, from)
	overlay(v, reflect.ValueOf(c.Breakers[name]), "", "breakers."+name, from)
	return b, from
}

// memoryStore resolves the bounds of the default idempotency store.
func (c *Config) memoryStore() MemoryStoreConfig {
	m := builtin[MemoryStoreConfig]()
	overlay(reflect.ValueOf(&m).Elem(), reflect.ValueOf(c.Memory), "", "", nil)
	return m
}

// deadLetters resolves the dead-letter settings.
func (c *Config) deadLetters() DeadLetterConfig {
	d := builtin[DeadLetterConfig]()
	overlay(reflect.ValueOf(&d).Elem(), reflect.ValueOf(c.DLQ), "", "", nil)
	return d
}

// overlayOverride applies an override's settings to a resolved policy.
func overlayOverride(dst *PolicyConfig, o PolicyConfig) {
	overlay(reflect.ValueOf(dst).Elem(), reflect.ValueOf(o), "", "", nil)
}

// Explanation is a policy's configuration as it resolves, with the level
// each setting came from: what baldurgen plan prints and the admin API
// serves.
type Explanation struct {
	Policy PolicyConfig
	// From names the level of each setting of Policy, by key path
	// ("retry.attempts"): FromDefault, FromMesh, FromDefaults,
	// FromAnnotation or "policies.<name>".
	From map[string]string
	// Breaker is the breaker's name ("" for none) and its settings, with
	// theirs in BreakerFrom ("breakers.<name>" for its own section).
	Breaker     string
	BreakerKey  string
	BreakerCfg  BreakerConfig
	BreakerFrom map[string]string
	// Overrides are the policy's overrides, each resolved on top of the
	// policy: timeout and retry for the calls whose fields match When.
	Overrides []ExplainedOverride
	// DeadLetters are the replay settings, for a policy with dlq.
	DeadLetters *DeadLetterConfig
}

// ExplainedOverride is one override as it resolves.
type ExplainedOverride struct {
	When map[string]string
	// Policy is the policy's configuration for the calls the override
	// matches: the policy's own with the override's settings on top.
	Policy PolicyConfig
}

// Explain resolves the policy spec describes as a Runtime would, without
// one.
func (c *Config) Explain(spec Spec) Explanation {
	r := c.resolve(spec)
	x := Explanation{Policy: r.cfg, From: r.from, Breaker: r.breaker, BreakerKey: spec.BreakerKey}
	if r.breaker != "" {
		x.BreakerCfg, x.BreakerFrom = c.breakerConfig(r.breaker)
	}
	if spec.DeadLetter != nil {
		d := c.deadLetters()
		x.DeadLetters = &d
	}
	for _, o := range c.Policies[spec.Name].Overrides {
		pc := r.cfg
		overlayOverride(&pc, o.PolicyConfig)
		x.Overrides = append(x.Overrides, ExplainedOverride{When: o.When, Policy: pc})
	}
	return x
}
