package generator

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

var layerTitles = map[string]string{
	"fallback": "fallback", "dead_letter": "dead letters", "idempotency": "idempotency",
	"retry": "retry", "breaker": "breaker", "timeout": "timeout",
}

// WriteText prints the plan for people: per method, its layers outermost
// first, each setting with its value and the level it came from.
func (p *Plan) WriteText(w io.Writer) {
	if len(p.Policies) == 0 {
		fmt.Fprintln(w, "no protected methods in these packages")
		return
	}
	for i, pp := range p.Policies {
		if i > 0 {
			fmt.Fprintln(w)
		}
		pp.writeText(w)
	}
}

func (pp *PolicyPlan) writeText(w io.Writer) {
	keyWidth, valueWidth := 0, 0
	each := func(f func(Setting)) {
		for _, l := range pp.Layers {
			for _, s := range l.Settings {
				f(s)
			}
		}
		for _, o := range pp.Overrides {
			for _, s := range o.Settings {
				f(s)
			}
		}
	}
	each(func(s Setting) { keyWidth, valueWidth = max(keyWidth, len(s.Key)), max(valueWidth, len(s.Value)) })
	setting := func(s Setting) {
		fmt.Fprintf(w, "      %-*s  %-*s  %s\n", keyWidth, s.Key, valueWidth, s.Value, s.From)
	}
	note := func(what, v string) { fmt.Fprintf(w, "      %s %s\n", what, v) }

	fmt.Fprintf(w, "%s  %s  (%s)\n", pp.Policy, pp.Method, pp.At)
	if len(pp.Fields) > 0 {
		fmt.Fprintf(w, "  %-13s %s\n", "fields", strings.Join(pp.Fields, ", "))
	}
	for _, l := range pp.Layers {
		fmt.Fprintf(w, "  %-13s %s\n", layerTitles[l.Layer], l.Summary)
		if l.Signature != "" {
			note("signature", l.Signature)
		}
		if l.Classify != "" {
			note("classify", l.Classify)
		}
		for _, list := range []struct {
			name string
			v    []string
		}{{"retry_on", l.RetryOn}, {"abort_on", l.AbortOn}, {"ignore", l.Ignore}} {
			if len(list.v) > 0 {
				note(list.name, strings.Join(list.v, ", "))
			}
		}
		if l.Active || l.Layer == "timeout" || l.Layer == "retry" {
			for _, s := range l.Settings {
				setting(s)
			}
		}
	}
	for i, o := range pp.Overrides {
		var when []string
		for _, k := range slices.Sorted(maps.Keys(o.When)) {
			when = append(when, k+"="+o.When[k])
		}
		title := ""
		if i == 0 {
			title = "overrides"
		}
		fmt.Fprintf(w, "  %-13s when %s\n", title, strings.Join(when, ", "))
		for _, s := range o.Settings {
			setting(s)
		}
	}
}
