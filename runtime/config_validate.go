package baldur

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Validate checks every setting c sets against its bounds and against the
// sections it may appear in, and every section against the settings it
// contradicts once merged with the levels below it. WithConfig calls it;
// ParseConfig runs exactly these checks too, reporting each at the line of
// the file that causes it.
func (c *Config) Validate() error {
	p := &problems{file: c.file}
	c.validate(p)
	return p.err()
}

func (c *Config) validate(p *problems) {
	c.checkSettings(p, reflect.ValueOf(c).Elem(), "", inTop)
	c.checkConflicts(p)
}

// checkSettings walks v, read in a section of kind, and reports each set
// value that is out of bounds or out of place.
func (c *Config) checkSettings(p *problems, v reflect.Value, path string, kind sectionKind) {
	for _, f := range fieldsOf(v.Type()) {
		fv, sub := v.FieldByIndex(f.index), join(path, f.key)
		if f.in != 0 && f.in&kind == 0 {
			if anySet(fv) {
				p.add(c.keyAt(sub), "%s can be set only in %s", sub, sectionList(f.in))
			}
			continue
		}
		next := kind
		if f.section != 0 {
			next = f.section
		}
		switch {
		case f.leaf != nil:
			if o := asOpt(fv); o.isSet() {
				if msg := f.leaf.check(o.value()); msg != "" {
					p.add(c.at(sub), "%s: %s", sub, msg)
				}
			}
		case fv.Kind() == reflect.Struct:
			c.checkSettings(p, fv, sub, next)
		case fv.Kind() == reflect.Map && fv.Type().Elem().Kind() != reflect.String:
			c.checkSections(p, fv, sub, next)
		case fv.Kind() == reflect.Slice:
			for i := range fv.Len() {
				c.checkSettings(p, fv.Index(i), fmt.Sprintf("%s[%d]", sub, i), next)
			}
		}
	}
}

// checkSections checks each named section of a map, in name order.
func (c *Config) checkSections(p *problems, m reflect.Value, path string, kind sectionKind) {
	keys := m.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		sub := join(path, k.String())
		if !policyName.MatchString(k.String()) {
			p.add(c.keyAt(sub), "%s: %q is not a name (lower-case letters, digits, '.', '_' and '-', starting with a letter or digit)", path, k.String())
			continue
		}
		e := reflect.New(m.Type().Elem()).Elem()
		e.Set(m.MapIndex(k))
		c.checkSettings(p, e, sub, kind)
	}
}

// anySet reports whether v, an Opt or a struct of them, sets anything.
func anySet(v reflect.Value) bool {
	if o := asOpt(v); o != nil {
		return o.isSet()
	}
	if v.Kind() != reflect.Struct {
		return v.Kind() == reflect.Map && v.Len() > 0
	}
	for _, f := range fieldsOf(v.Type()) {
		if anySet(v.FieldByIndex(f.index)) {
			return true
		}
	}
	return false
}

// checkConflicts reports combinations that contradict each other once a
// section is merged with the levels below it. A conflict the defaults
// already have is reported once, at the defaults; a section with a value
// out of bounds is not checked further, since that value is reported.
func (c *Config) checkConflicts(p *problems) {
	def, _ := c.defaultsLayer()
	var retryDef, breakerDef []string
	report := func(path string, section any, msgs, known []string) []string {
		if !inBounds(reflect.ValueOf(section)) {
			return nil
		}
		for _, m := range msgs {
			if !slices.Contains(known, m) {
				p.add(c.near(path), "%s: %s", path, m)
			}
		}
		return msgs
	}
	retryDef = report("defaults.retry", def.Retry, def.Retry.conflicts(), nil)
	idemDef := report("defaults.idempotency", def.Idempotency, def.Idempotency.conflicts(), nil)
	breakerDef = report("defaults.breaker", def.Breaker, def.Breaker.conflicts(), nil)
	for _, name := range slices.Sorted(maps.Keys(c.Policies)) {
		pc := def
		overlay(reflect.ValueOf(&pc).Elem(), reflect.ValueOf(c.Policies[name]), "", "", nil)
		report("policies."+name+".retry", pc.Retry, pc.Retry.conflicts(), retryDef)
		report("policies."+name+".idempotency", pc.Idempotency, pc.Idempotency.conflicts(), idemDef)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Breakers)) {
		b := def.Breaker
		overlay(reflect.ValueOf(&b).Elem(), reflect.ValueOf(c.Breakers[name]), "", "", nil)
		report("breakers."+name, b, b.conflicts(), breakerDef)
	}
}

// inBounds reports whether every set setting of the struct v is within
// its bounds.
func inBounds(v reflect.Value) bool {
	for _, f := range fieldsOf(v.Type()) {
		fv := v.FieldByIndex(f.index)
		switch {
		case f.leaf != nil:
			c := reflect.New(fv.Type()).Elem()
			c.Set(fv)
			if o := asOpt(c); o.isSet() && f.leaf.check(o.value()) != "" {
				return false
			}
		case fv.Kind() == reflect.Struct && !inBounds(fv):
			return false
		}
	}
	return true
}

// conflicts reports what is wrong with a resolved retry configuration as
// a combination; single values are checked against their bounds.
func (r RetryConfig) conflicts() []string {
	if r.MaxDelay.v < r.InitialDelay.v {
		return []string{fmt.Sprintf("max_delay (%v) is below initial_delay (%v)", r.MaxDelay.v, r.InitialDelay.v)}
	}
	return nil
}

func (b BreakerConfig) conflicts() []string {
	switch b.Window.v {
	case CountWindow:
		if b.MinimumCalls.v > b.Size.v {
			return []string{fmt.Sprintf("minimum_calls (%d) is above size (%d): the breaker could never open", b.MinimumCalls.v, b.Size.v)}
		}
	case TimeWindow:
		if b.Buckets.v > 0 && b.Span.v/time.Duration(b.Buckets.v) < time.Millisecond {
			return []string{fmt.Sprintf("span (%v) cut into %d buckets is below 1ms a bucket", b.Span.v, b.Buckets.v)}
		}
	}
	return nil
}

// at is where the file wrote path's value; keyAt, its key; near, the
// closest enclosing section the file wrote.
func (c *Config) at(path string) position { return c.positions[path] }

func (c *Config) keyAt(path string) position {
	p := c.positions[path]
	return position{line: p.keyLine, col: p.keyCol}
}

func (c *Config) near(path string) position {
	for {
		if p, ok := c.positions[path]; ok && p.line > 0 {
			return p
		}
		i := len(path) - 1
		for i >= 0 && path[i] != '.' {
			i--
		}
		if i < 0 {
			return position{}
		}
		path = path[:i]
	}
}
