package baldur

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigError is one problem in a configuration file, at the line and
// column (1-based) of the offending key or value.
type ConfigError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// WithConfigFile loads baldur.yaml from path. Every problem in the file is
// reported, each as a *ConfigError, joined into one error.
func WithConfigFile(path string) Option {
	return func(rt *Runtime) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("baldur: config: %w", err)
		}
		c, err := ParseConfig(path, data)
		if err != nil {
			return err
		}
		rt.config = c
		return nil
	}
}

// WithConfigYAML loads the configuration from data, in baldur.yaml's
// format. Problems are reported against the file name "baldur.yaml".
func WithConfigYAML(data []byte) Option {
	return func(rt *Runtime) error {
		c, err := ParseConfig("baldur.yaml", data)
		if err != nil {
			return err
		}
		rt.config = c
		return nil
	}
}

// WithConfig uses c, built in Go, after checking it with Validate.
func WithConfig(c *Config) Option {
	return func(rt *Runtime) error {
		if c == nil {
			return errors.New("baldur: WithConfig: nil config")
		}
		if err := c.Validate(); err != nil {
			return err
		}
		cp := *c
		if cp.Policies == nil {
			cp.Policies = map[string]PolicyConfig{}
		}
		rt.config = &cp
		return nil
	}
}

// ParseConfig reads a configuration in baldur.yaml's format. name is the
// file name errors carry. Unknown keys, values of the wrong type or out of
// range, and settings that contradict each other are all reported, joined.
func ParseConfig(name string, data []byte) (*Config, error) {
	l := &loader{file: name, cfg: DefaultConfig()}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		l.root(doc.Content[0])
	}
	return l.cfg, errors.Join(l.errs...)
}

type loader struct {
	file string
	cfg  *Config
	errs []error
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	l.errs = append(l.errs, &ConfigError{File: l.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// field reads the value of one key; it returns a problem, or "".
type field struct {
	key  string
	read func(v *yaml.Node) string
}

// mapping walks a mapping node: every key must be one of fields, once.
func (l *loader) mapping(n *yaml.Node, path string, fields []field) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s: expected a mapping, found %s", path, describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f, ok := lookup(fields, k.Value)
		switch {
		case !ok:
			l.errorf(k, "unknown key %q in %s%s", k.Value, path, suggest(k.Value, fields))
		case seen[k.Value] != nil:
			l.errorf(k, "%s.%s is set twice (first at line %d)", path, k.Value, seen[k.Value].Line)
		default:
			seen[k.Value] = k
			if msg := f.read(deref(v)); msg != "" {
				l.errorf(v, "%s.%s: %s", path, k.Value, msg)
			}
		}
	}
}

func lookup(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// suggest names the closest valid key and lists them all.
func suggest(key string, fields []field) string {
	keys := make([]string, len(fields))
	best, bestD := "", 3
	for i, f := range fields {
		keys[i] = f.key
		if d := distance(key, f.key); d < bestD {
			best, bestD = f.key, d
		}
	}
	sort.Strings(keys)
	hint := ""
	if best != "" {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	return hint + " (valid keys: " + strings.Join(keys, ", ") + ")"
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

var policyName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

func (l *loader) root(n *yaml.Node) {
	l.mapping(n, "baldur.yaml", []field{
		{"mesh", func(v *yaml.Node) string {
			l.mapping(v, "mesh", []field{{"owns_network_retries", boolValue(&l.cfg.Mesh.OwnsNetworkRetries)}})
			return ""
		}},
		{"defaults", func(v *yaml.Node) string {
			l.section(v, "defaults", &l.cfg.Defaults, false)
			return ""
		}},
		{"policies", func(v *yaml.Node) string {
			l.policies(v)
			return ""
		}},
	})
}

func (l *loader) policies(n *yaml.Node) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "policies: expected a mapping of policy names, found %s", describe(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		switch _, dup := l.cfg.Policies[name]; {
		case !policyName.MatchString(name):
			l.errorf(k, "policies: %q is not a policy name (lower case letters, digits, '.', '_', '-')", name)
		case dup:
			l.errorf(k, "policies.%s is set twice", name)
		default:
			var pc PolicyConfig
			l.section(deref(v), "policies."+name, &pc, true)
			l.cfg.Policies[name] = pc
		}
	}
}
