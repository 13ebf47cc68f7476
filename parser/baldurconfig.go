package parser

import (
	"go/token"
	"slices"

	"gopkg.in/yaml.v3"
)

// Declared are the policy and breaker names the annotations of a run
// declare: what a baldur.yaml may configure.
type Declared struct {
	Policies, Breakers []string // sorted, each once
	// Fields are the PolicyContext fields each policy's calls carry, by
	// policy name, in order; Keyed are the policies with breaker_key.
	Fields map[string][]string
	Keyed  map[string]bool
}

// DeclaredNames collects the names the packages' annotations declare. A
// bare breaker is named after its policy.
func DeclaredNames(pkgs []*Package) Declared {
	d := Declared{Fields: map[string][]string{}, Keyed: map[string]bool{}}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, iface := range f.Interfaces {
				for _, m := range iface.Methods {
					if m.Policy == nil {
						continue
					}
					d.Policies = append(d.Policies, m.Policy.Name)
					for _, f := range m.Policy.Fields {
						if !slices.Contains(d.Fields[m.Policy.Name], f.Name) {
							d.Fields[m.Policy.Name] = append(d.Fields[m.Policy.Name], f.Name)
						}
					}
					if m.Policy.BreakerKey != "" {
						d.Keyed[m.Policy.Name] = true
					}
					if m.Policy.Breaker != "" {
						d.Breakers = append(d.Breakers, m.Policy.Breaker)
					}
				}
			}
		}
	}
	slices.Sort(d.Policies)
	slices.Sort(d.Breakers)
	d.Policies, d.Breakers = slices.Compact(d.Policies), slices.Compact(d.Breakers)
	return d
}

// CheckConfigNames reports every name under policies: and breakers: in
// the baldur.yaml data that no annotation declares: a typo there leaves
// the real policy on its defaults, silently. Only the names are read; the
// runtime's baldur.ParseConfig judges the rest.
func CheckConfigNames(path string, data []byte, d Declared) Diagnostics {
	var diags Diagnostics
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil // the runtime reports the syntax
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil
	}
	at := func(n *yaml.Node) token.Position {
		return token.Position{Filename: path, Line: n.Line, Column: n.Column}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		section, names := root.Content[i].Value, resolve(root.Content[i+1])
		var declared, other []string
		var what, otherWhat string
		switch section {
		case "policies":
			declared, other, what, otherWhat = d.Policies, d.Breakers, "policy", "breaker"
		case "breakers":
			declared, other, what, otherWhat = d.Breakers, d.Policies, "breaker", "policy"
		default:
			continue
		}
		if names.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(names.Content); j += 2 {
			k := names.Content[j]
			if k.Value == "<<" || slices.Contains(declared, k.Value) {
				continue
			}
			hint := didYouMean(k.Value, declared)
			if slices.Contains(other, k.Value) {
				hint = "; " + k.Value + " is a " + otherWhat + ": its settings go under " + map[string]string{"policy": "policies", "breaker": "breakers"}[otherWhat] + ":"
			}
			diags.add(at(k), "%s.%s: no annotation in these packages declares this %s%s", section, k.Value, what, hint)
		}
	}
	return diags
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
