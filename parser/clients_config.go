package parser

import (
	"go/token"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// CheckOutlivingTimeouts warns about every timeout a baldur.yaml gives a
// policy whose method's result outlives the call (a stream, *sql.Rows...):
// the generated method makes the call with the caller's context, so that
// timeout bounds nothing there. It reads the settings where the runtime
// does: defaults.timeout, policies.<name>.timeout and
// policies.<name>.overrides[i].timeout.
func CheckOutlivingTimeouts(path string, data []byte, pkgs []*Package) Diagnostics {
	outliving := map[string][]string{} // policy -> methods
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, iface := range f.Interfaces {
				for _, m := range iface.Methods {
					if i, _ := Outlives(m.Sig); m.Policy != nil && i >= 0 && !slices.Contains(outliving[m.Policy.Name], m.Name) {
						outliving[m.Policy.Name] = append(outliving[m.Policy.Name], m.Name)
					}
				}
			}
		}
	}
	var doc yaml.Node
	if len(outliving) == 0 || yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := resolve(doc.Content[0])
	var diags Diagnostics
	warn := func(k *yaml.Node, setting, value string, methods []string) {
		slices.Sort(methods)
		subject := "its result outlives the call"
		if len(methods) > 1 {
			subject = "their results outlive the call"
		}
		diags.warn(token.Position{Filename: path, Line: k.Line, Column: k.Column},
			"%s: %s does not apply to %s: %s, which the generated method makes with the caller's context so that no timeout ends the result under its reader; bound it with the caller's context",
			setting, value, joinAnd(methods), subject)
	}
	policies := child(root, "policies")
	if k, v := timeoutOf(child(root, "defaults")); k != nil {
		var all []string
		for name, ms := range outliving {
			if key(child(policies, name), "timeout") == nil { // a policy's own wins
				all = append(all, ms...)
			}
		}
		if len(all) > 0 {
			warn(k, "defaults.timeout", v, all)
		}
	}
	for _, name := range slices.Sorted(mapKeys(outliving)) {
		pol := child(policies, name)
		if k, v := timeoutOf(pol); k != nil {
			warn(k, "policies."+name+".timeout", v, outliving[name])
		}
		if list := child(pol, "overrides"); list != nil && list.Kind == yaml.SequenceNode {
			for i, o := range list.Content {
				if k, v := timeoutOf(resolve(o)); k != nil {
					warn(k, "policies."+name+".overrides["+strconv.Itoa(i)+"].timeout", v, outliving[name])
				}
			}
		}
	}
	return diags
}

// timeoutOf is the timeout key of mapping n and its value, when it sets a
// timeout (not 0).
func timeoutOf(n *yaml.Node) (*yaml.Node, string) {
	k := key(n, "timeout")
	if k == nil {
		return nil, ""
	}
	v := child(n, "timeout")
	if d, err := time.ParseDuration(v.Value); v.Kind != yaml.ScalarNode || err != nil || d <= 0 {
		return nil, "" // none, or invalid, which the runtime reports
	}
	return k, v.Value
}

// joinAnd writes a, b and c.
func joinAnd(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
