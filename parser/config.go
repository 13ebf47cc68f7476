package parser

import (
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigFile names the file, in a package's directory, that lists
// interfaces of other packages to decorate into that package.
const ConfigFile = "baldurgen.yaml"

// foreignConfig is one baldurgen.yaml.
//
//	decorate:
//	  - interface: net/http.RoundTripper
//	    file: transport_baldur.go     # optional, in this directory
//	    type: TransportProtected      # optional decorator type name
//	    methods:
//	      "*": retry=2 breaker=upstream idempotent   # defaults, as on an interface
//	      RoundTrip: name=upstream-call               # a method, as on a method
//	      CloseIdleConnections: skip
type foreignConfig struct {
	Path    string // absolute
	Entries []*foreignEntry
}

// foreignEntry is one interface to decorate.
type foreignEntry struct {
	PkgPath, Name string
	Pos           token.Position
	File          string // output file name, in the config's directory
	FilePos       token.Position
	Type          string // decorator type name, or "" for <Name>Protected
	TypePos       token.Position
	Defaults      *configText // the "*" entry
	Methods       []*configText
}

// configText is a method name and its annotation, written in the same
// grammar as a //baldur:protected comment.
type configText struct {
	Name    string
	NamePos token.Position
	Text    string
	TextPos token.Position
}

// parseForeignConfig reads a baldurgen.yaml. Unknown keys and malformed
// values are reported at their line:col, all of them.
func parseForeignConfig(path string, data []byte) (*foreignConfig, Diagnostics) {
	cfg := &foreignConfig{Path: path}
	var diags Diagnostics
	at := func(n *yaml.Node) token.Position {
		return token.Position{Filename: path, Line: n.Line, Column: n.Column}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		diags.add(token.Position{Filename: path, Line: yamlErrorLine(err), Column: 1}, "%s: %v", ConfigFile, strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, diags
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	entries := mapping(root, at, &diags, map[string]string{"decorate": "list"})["decorate"]
	if entries == nil {
		return cfg, diags
	}
	if entries.Kind != yaml.SequenceNode {
		diags.add(at(entries), "decorate must be a list of interfaces")
		return cfg, diags
	}
	for _, item := range entries.Content {
		fields := mapping(item, at, &diags, map[string]string{"interface": "scalar", "file": "scalar", "type": "scalar", "methods": "map"})
		iface := fields["interface"]
		if iface == nil {
			if item.Kind == yaml.MappingNode {
				diags.add(at(item), "an entry needs interface: import/path.Name")
			}
			continue
		}
		e := &foreignEntry{Pos: at(iface)}
		dot := strings.LastIndex(iface.Value, ".")
		if dot <= 0 || strings.LastIndex(iface.Value, "/") > dot || !token.IsIdentifier(iface.Value[dot+1:]) {
			diags.add(at(iface), "interface %q is not of the form import/path.Name, such as net/http.RoundTripper", iface.Value)
			continue
		}
		e.PkgPath, e.Name = iface.Value[:dot], iface.Value[dot+1:]
		if f := fields["file"]; f != nil {
			e.File, e.FilePos = f.Value, at(f)
			if filepath.Base(f.Value) != f.Value || !strings.HasSuffix(f.Value, ".go") || strings.HasSuffix(f.Value, "_test.go") {
				diags.add(at(f), "file %q must be a .go file name in this directory (not a test file)", f.Value)
			}
		}
		if t := fields["type"]; t != nil {
			e.Type, e.TypePos = t.Value, at(t)
			if !token.IsIdentifier(t.Value) || token.IsKeyword(t.Value) {
				diags.add(at(t), "type %q is not a Go identifier", t.Value)
			}
		}
		if m := fields["methods"]; m != nil {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, v := m.Content[i], m.Content[i+1]
				if v.Kind != yaml.ScalarNode {
					diags.add(at(v), "the annotation of %s must be a string, such as \"retry=3 breaker\"", k.Value)
					continue
				}
				ct := &configText{Name: k.Value, NamePos: at(k), Text: v.Value, TextPos: at(v)}
				if v.Style == yaml.DoubleQuotedStyle || v.Style == yaml.SingleQuotedStyle {
					ct.TextPos.Column++ // point into the quotes
				}
				if k.Value == "*" {
					e.Defaults = ct
				} else {
					e.Methods = append(e.Methods, ct)
				}
			}
		}
		cfg.Entries = append(cfg.Entries, e)
	}
	return cfg, diags
}

// mapping checks that n is a mapping with only the known keys, each once,
// and returns their values.
func mapping(n *yaml.Node, at func(*yaml.Node) token.Position, diags *Diagnostics, known map[string]string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		diags.add(at(n), "expected a mapping with keys %s", keyList(known))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kind, ok := known[k.Value]
		switch {
		case !ok:
			diags.add(at(k), "unknown key %q%s; valid keys: %s", k.Value, didYouMean(k.Value, keyNames(known)), keyList(known))
			continue
		case out[k.Value] != nil:
			diags.add(at(k), "duplicate key %q", k.Value)
			continue
		case kind == "scalar" && v.Kind != yaml.ScalarNode,
			kind == "list" && v.Kind != yaml.SequenceNode,
			kind == "map" && v.Kind != yaml.MappingNode:
			diags.add(at(v), "%s must be a %s", k.Value, map[string]string{"scalar": "string", "list": "list", "map": "mapping"}[kind])
			continue
		}
		if kind == "map" {
			seen := map[string]bool{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				if name := v.Content[j].Value; seen[name] {
					diags.add(at(v.Content[j]), "duplicate key %q", name)
				} else {
					seen[name] = true
				}
			}
		}
		out[k.Value] = v
	}
	return out
}

func keyNames(known map[string]string) []string {
	var ks []string
	for k := range known {
		ks = append(ks, k)
	}
	return ks
}

func keyList(known map[string]string) string {
	ks := keyNames(known)
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// yamlErrorLine digs the line out of a yaml.v3 syntax error ("yaml: line 3: ...").
func yamlErrorLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr != nil {
		return 1
	}
	return line
}
