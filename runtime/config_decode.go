package baldur

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

const (
	// maxConfigBytes: a configuration is a page of settings; a file larger
	// than this is a mistake, and refusing it bounds the work of reading.
	maxConfigBytes = 1 << 20
	// maxFlowDepth bounds [ and { nesting, which the schema never needs
	// beyond a few levels.
	maxFlowDepth = 64
)

var policyName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// ParseConfig reads a configuration in baldur.yaml's format; name is the
// file name its errors carry. Every problem is reported, each a
// *ConfigError at its line and column: YAML syntax, unknown keys (with the
// nearest valid one), keys set twice, values of the wrong type, and every
// check Validate makes.
func ParseConfig(name string, data []byte) (*Config, error) {
	c := &Config{file: name, positions: map[string]position{}}
	d := &decoder{cfg: c, probs: &problems{file: name}}
	if d.read(data) {
		c.validate(d.probs)
	}
	return c, d.probs.err()
}

type decoder struct {
	cfg   *Config
	probs *problems
}

// read parses data and decodes it into d.cfg; false means nothing useful
// could be read.
func (d *decoder) read(data []byte) bool {
	if len(data) > maxConfigBytes {
		d.probs.add(position{line: 1, col: 1}, "the file is %d bytes; a configuration is at most %d", len(data), maxConfigBytes)
		return false
	}
	if p, msg := scanText(data); msg != "" {
		d.probs.add(p, "%s", msg)
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return true // empty: the built-in defaults
		}
		d.probs.add(syntaxPosition(err), "%s", syntaxMessage(err))
		return false
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		p := position{line: next.Line, col: next.Column}
		if len(next.Content) > 0 {
			p = at(next.Content[0])
		}
		if err != nil {
			p = syntaxPosition(err)
		}
		d.probs.add(p, "a second YAML document: a configuration is one document, and nothing after --- would be read")
		return false
	}
	if len(doc.Content) == 1 {
		d.value(doc.Content[0], reflect.ValueOf(d.cfg).Elem(), "", inTop)
	}
	return true
}

// scanText finds what YAML would refuse without saying where: control
// characters, invalid UTF-8, and flow collections nested absurdly deep.
func scanText(data []byte) (position, string) {
	line, col, depth := 1, 1, 0
	var quote byte
	prev := ' ' // what precedes a token: quotes and comments start only after one
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		p := position{line: line, col: col}
		boundary := strings.ContainsRune(" \t:[{,-", prev)
		switch {
		case r == utf8.RuneError && size == 1:
			return p, "invalid UTF-8"
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return p, fmt.Sprintf("control character %U is not allowed in YAML", r)
		case quote != 0:
			if byte(r) == quote {
				quote = 0
			}
		case (r == '"' || r == '\'') && boundary:
			quote = byte(r)
		case r == '#' && boundary:
			for i < len(data) && data[i] != '\n' { // a comment: skip to the end of the line
				i++
			}
			continue
		case r == '[' || r == '{':
			if depth++; depth > maxFlowDepth {
				return p, fmt.Sprintf("collections nested more than %d deep", maxFlowDepth)
			}
		case r == ']' || r == '}':
			depth = max(depth-1, 0)
		}
		if r == '\n' {
			line, col, quote, prev = line+1, 1, 0, ' '
		} else {
			col, prev = col+1, r
		}
		i += size
	}
	return position{}, ""
}

var yamlLine = regexp.MustCompile(`line (\d+)(: )?`)

// syntaxMessage is a yaml.v3 error without the parts the position says.
func syntaxMessage(err error) string {
	return yamlLine.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
}

// syntaxPosition is where a yaml.v3 error says it is: it names a line but
// no column.
func syntaxPosition(err error) position {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return position{line: n, col: 1}
	}
	return position{line: 1, col: 1}
}

func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value decodes n into v, which is read in a section of kind.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, kind sectionKind) {
	n = d.deref(n)
	p := d.cfg.positions[path]
	p.line, p.col = n.Line, n.Column
	d.cfg.positions[path] = p
	if o := asOpt(v); o != nil {
		d.leaf(n, o, path)
		return
	}
	if isNull(n) {
		return // an empty section sets nothing
	}
	switch {
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path, kind)
	case v.Kind() == reflect.Map && v.Type().Elem().Kind() == reflect.String:
		d.strings(n, v, path)
	case v.Kind() == reflect.Map:
		d.sections(n, v, path, kind)
	case v.Kind() == reflect.Slice:
		d.list(n, v, path, kind)
	}
}

// strings decodes a mapping of names to text values (an override's when).
func (d *decoder) strings(n *yaml.Node, v reflect.Value, path string) {
	m := reflect.MakeMap(v.Type())
	for _, kv := range d.pairs(n, path, "a mapping of field names to values") {
		k, val := kv[0], d.deref(kv[1])
		if val.Kind != yaml.ScalarNode || isNull(val) {
			d.probs.add(at(val), "%s.%s: expected a value, found %s", path, k.Value, describe(val))
			continue
		}
		m.SetMapIndex(reflect.ValueOf(k.Value), reflect.ValueOf(val.Value))
	}
	v.Set(m)
}

// list decodes a sequence of sections (overrides).
func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, kind sectionKind) {
	if n.Kind != yaml.SequenceNode {
		d.probs.add(at(n), "%s: expected a list, found %s", path, describe(n))
		return
	}
	for i, item := range n.Content {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(item, elem, fmt.Sprintf("%s[%d]", path, i), kind)
		v.Set(reflect.Append(v, elem))
	}
}

// pairs returns the key/value pairs of a mapping, reporting keys that are
// aliases or merges, and keys set twice.
func (d *decoder) pairs(n *yaml.Node, path, what string) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.probs.add(at(n), "%s: expected %s, found %s", orTop(path), what, describe(n))
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.AliasNode:
			d.probs.add(at(k), "%s: an alias (*%s) cannot be a key; write the key out", orTop(path), k.Value)
		case k.Tag == "!!merge":
			d.probs.add(at(k), "%s: merge keys (<<) are not supported; repeat the settings, or put shared ones under defaults", orTop(path))
		case k.Kind != yaml.ScalarNode:
			d.probs.add(at(k), "%s: a key must be a plain name, found %s", orTop(path), describe(k))
		case seen[k.Value] != nil:
			d.probs.add(at(k), "%s is set twice (first at line %d)", join(path, k.Value), seen[k.Value].Line)
		default:
			seen[k.Value] = k
			out = append(out, [2]*yaml.Node{k, v})
		}
	}
	return out
}

func orTop(path string) string {
	if path == "" {
		return "baldur.yaml"
	}
	return path
}

func at(n *yaml.Node) position { return position{line: n.Line, col: n.Column} }

// mapping decodes a struct: every key must be one of its fields, allowed
// in a section of kind.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, kind sectionKind) {
	fields := fieldsOf(v.Type())
	for _, kv := range d.pairs(n, path, "a mapping") {
		k := kv[0]
		i := slices.IndexFunc(fields, func(f field) bool { return f.key == k.Value })
		if i < 0 {
			d.probs.add(at(k), "unknown key %q in %s%s", k.Value, orTop(path), suggestKey(k.Value, fields, kind))
			continue
		}
		f := fields[i]
		if f.in != 0 && f.in&kind == 0 {
			d.probs.add(at(k), "%s can be set only in %s", join(path, f.key), sectionList(f.in))
			continue
		}
		sub := join(path, f.key)
		p := d.cfg.positions[sub]
		p.keyLine, p.keyCol = k.Line, k.Column
		d.cfg.positions[sub] = p
		next := kind
		if f.section != 0 {
			next = f.section
		}
		d.value(kv[1], v.FieldByIndex(f.index), sub, next)
	}
}

// sections decodes a map of named sections (policies, breakers).
func (d *decoder) sections(n *yaml.Node, v reflect.Value, path string, kind sectionKind) {
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, kv := range d.pairs(n, path, "a mapping of names") {
		k := kv[0]
		if !policyName.MatchString(k.Value) {
			d.probs.add(at(k), "%s: %q is not a name (lower-case letters, digits, '.', '_' and '-', starting with a letter or digit)", path, k.Value)
			continue
		}
		sub := join(path, k.Value)
		d.cfg.positions[sub] = position{keyLine: k.Line, keyCol: k.Column}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(kv[1], elem, sub, kind)
		v.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
}

// leaf decodes one setting.
func (d *decoder) leaf(n *yaml.Node, o opt, path string) {
	t := o.elem()
	if msg := scalarProblem(n, t); msg != "" {
		d.probs.add(at(n), "%s: %s, found %s", path, msg, describe(n))
		return
	}
	v, err := parseText(t, n.Value)
	if err != nil {
		d.probs.add(at(n), "%s: %v, found %s", path, err, describe(n))
		return
	}
	o.set(v)
}

// scalarProblem refuses what is not a scalar of the right YAML kind, so
// that `attempts: "3"` or `enabled: yes` is not silently taken for
// something else.
func scalarProblem(n *yaml.Node, t reflect.Type) string {
	expect := ""
	switch {
	case t == durationType:
		expect = `expected a duration such as "250ms" or "2s"`
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if c := choicesOf(t); c != nil {
			expect = "expected " + quotedChoices(c)
		} else {
			expect = "expected a value"
		}
	case t.Kind() == reflect.Bool:
		expect = "expected true or false"
		if n.Tag != "!!bool" {
			return expect
		}
	case t.Kind() == reflect.Int:
		expect = "expected a whole number"
		if n.Tag != "!!int" {
			return expect
		}
	case t.Kind() == reflect.Float64:
		expect = "expected a number"
		if n.Tag != "!!int" && n.Tag != "!!float" {
			return expect
		}
	default:
		expect = "expected a string"
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return expect
	}
	return ""
}

func sectionList(k sectionKind) string {
	var names []string
	for _, s := range []sectionKind{inTop, inDefaults, inPolicy, inBreaker, inOverride} {
		if k&s != 0 {
			names = append(names, sectionPaths[s])
		}
	}
	return strings.Join(names, " and ")
}

// suggestKey names the closest key allowed here and lists them all.
func suggestKey(key string, fields []field, kind sectionKind) string {
	var keys []string
	for _, f := range fields {
		if f.in == 0 || f.in&kind != 0 {
			keys = append(keys, f.key)
		}
	}
	slices.Sort(keys)
	hint := ""
	if best := nearest(key, keys); best != "" {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	return hint + " (valid keys: " + strings.Join(keys, ", ") + ")"
}

// nearest is the candidate closest to s by edit distance, if any is close
// enough to be what was meant.
func nearest(s string, candidates []string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, c := range candidates {
		if d := distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
