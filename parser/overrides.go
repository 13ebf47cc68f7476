package parser

import (
	"go/token"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// CheckOverrides reports, in the baldur.yaml data, each override whose
// when names a field no method of its policy carries (it could never
// match), and each keyed policy whose breaker the file turns off (the
// runtime refuses a breaker_key without a breaker). whens are the
// overrides' when maps as the runtime read them, by policy; the file's
// nodes give their positions.
func CheckOverrides(path string, data []byte, whens map[string][]map[string]string, disabled map[string]bool, d Declared) Diagnostics {
	var diags Diagnostics
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	policies := child(resolve(doc.Content[0]), "policies")
	at := func(n *yaml.Node) token.Position {
		return token.Position{Filename: path, Line: n.Line, Column: n.Column}
	}
	for _, name := range slices.Sorted(mapKeys(whens)) {
		if !slices.Contains(d.Policies, name) {
			continue // an unknown policy: CheckConfigNames says so
		}
		fields := d.Fields[name]
		list := child(child(policies, name), "overrides")
		for i, when := range whens[name] {
			var item *yaml.Node
			if list != nil && i < len(list.Content) {
				item = child(resolve(list.Content[i]), "when")
			}
			for _, field := range slices.Sorted(mapKeys(when)) {
				if slices.Contains(fields, field) {
					continue
				}
				pos := token.Position{Filename: path}
				if k := key(item, field); k != nil {
					pos = at(k)
				} else if item != nil { // merged in from an anchor
					pos = at(item)
				}
				carries := "its calls carry no fields"
				if len(fields) > 0 {
					carries = "its fields are " + strings.Join(fields, ", ")
				}
				diags.add(pos, "policies.%s.overrides[%d].when.%s: no method of policy %s carries a field %s, so the override can never apply; %s%s",
					name, i, field, name, field, carries, didYouMean(field, fields))
			}
		}
	}
	for _, name := range slices.Sorted(mapKeys(disabled)) {
		if !d.Keyed[name] {
			continue
		}
		pos := token.Position{Filename: path}
		if k := key(child(child(policies, name), "breaker"), "enabled"); k != nil {
			pos = at(k)
		}
		diags.add(pos, "policies.%s.breaker.enabled: %s keys its breaker (breaker_key), and a keyed policy needs its breaker: the runtime would refuse to build it", name, strconv.Quote(name))
	}
	return diags
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// child is the value under key in mapping n, aliases followed, or nil.
func child(n *yaml.Node, name string) *yaml.Node {
	if n = resolve0(n); n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}

// key is the key node of name in mapping n, or nil.
func key(n *yaml.Node, name string) *yaml.Node {
	if n = resolve0(n); n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i]
		}
	}
	return nil
}

func resolve0(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	return resolve(n)
}
