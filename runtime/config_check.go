package baldur

import (
	"maps"
	"slices"
	"strings"
)

// CheckConfig reports each section of the configuration that nothing
// built so far reads: a policies entry no policy is named, or a breakers
// entry no policy's breaker is. Call it once every decorator is built: a
// misspelt policy name otherwise leaves the real policy on its defaults
// without a word. Each problem is a *ConfigError, at the section's line
// in the file, naming the nearest name that was built.
func (rt *Runtime) CheckConfig() error {
	rt.mu.Lock()
	policies := slices.Sorted(maps.Keys(rt.methods))
	breakers := slices.Sorted(maps.Keys(rt.builtBreakers))
	rt.mu.Unlock()
	c := rt.config
	p := &problems{file: c.file}
	unread := func(section, what string, names []string, built []string) {
		for _, name := range names {
			if slices.Contains(built, name) {
				continue
			}
			hint := ""
			if n := nearest(name, built); n != "" {
				hint = "; did you mean \"" + n + "\"?"
			}
			p.add(c.keyAt(section+"."+name), "%s.%s: no %s of this name was built%s", section, name, what, hint)
		}
	}
	unread("policies", "policy", slices.Sorted(maps.Keys(c.Policies)), policies)
	unread("breakers", "breaker", slices.Sorted(maps.Keys(c.Breakers)), breakers)
	rt.mu.Lock()
	for _, problem := range rt.unread {
		name, _, _ := strings.Cut(strings.TrimPrefix(problem, "policies."), ".")
		p.add(c.keyAt("policies."+name), "%s", problem)
	}
	rt.mu.Unlock()
	return p.err()
}
