package baldur

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The schema is read from the tags of Config's fields, once per type:
//
//	yaml:"key"        the key in baldur.yaml
//	default:"3"       the built-in value, written as in YAML
//	range:"1,100"     inclusive bounds, "(0,100" for an open lower one
//	in:"defaults,policy"  the sections a key may appear in (default: all
//	                  its struct appears in)
//	section:"policy"  on a map, the kind of section its values are
//	doc:"..."         one line for docs/config.md

// sectionKind is the kind of section a key is read in.
type sectionKind uint8

const (
	inTop sectionKind = 1 << iota
	inDefaults
	inPolicy
	inBreaker
	inOverride
)

var sectionKinds = map[string]sectionKind{"defaults": inDefaults, "policy": inPolicy, "breaker": inBreaker, "override": inOverride}

// sectionPaths name where a section kind lives, for messages and docs.
var sectionPaths = map[sectionKind]string{inTop: "the top level", inDefaults: "defaults", inPolicy: "policies.<name>", inBreaker: "breakers.<name>", inOverride: "policies.<name>.overrides"}

// field is one key of a mapping.
type field struct {
	key   string
	index []int
	in    sectionKind // 0: wherever the enclosing struct is read
	doc   string
	// section is the kind of the sections a map or slice holds.
	section sectionKind
	leaf    *leaf // nil unless the field is an Opt
	typ     reflect.Type
}

// leaf describes an Opt setting.
type leaf struct {
	elem    reflect.Type
	def     reflect.Value // invalid when there is no built-in value
	defText string
	lo, hi  reflect.Value // invalid when unbounded
	openLo  bool
	rng     string // the range as written in the tag
}

var schemaCache sync.Map // reflect.Type → []field

// fieldsOf returns the keys of struct type t; embedded structs tagged
// `yaml:",inline"` contribute theirs.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := schemaCache.Load(t); ok {
		return fs.([]field)
	}
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		if !sf.IsExported() || tag == "" {
			continue
		}
		if tag == ",inline" {
			for _, f := range fieldsOf(sf.Type) {
				f.index = append([]int{i}, f.index...)
				out = append(out, f)
			}
			continue
		}
		f := field{key: tag, index: []int{i}, doc: sf.Tag.Get("doc"), typ: sf.Type}
		f.in = parseSections(sf.Tag.Get("in"), t, sf.Name)
		f.section = parseSections(sf.Tag.Get("section"), t, sf.Name)
		if reflect.PointerTo(sf.Type).Implements(optType) {
			f.leaf = newLeaf(reflect.New(sf.Type).Interface().(opt).elem(), sf, t)
		}
		out = append(out, f)
	}
	schemaCache.Store(t, out)
	return out
}

func parseSections(tag string, t reflect.Type, name string) sectionKind {
	var k sectionKind
	for s := range strings.SplitSeq(tag, ",") {
		if s == "" {
			continue
		}
		kind, ok := sectionKinds[s]
		if !ok {
			panic(fmt.Sprintf("baldur: %v.%s: unknown section %q in a tag", t, name, s))
		}
		k |= kind
	}
	return k
}

func newLeaf(elem reflect.Type, sf reflect.StructField, t reflect.Type) *leaf {
	l := &leaf{elem: elem, rng: sf.Tag.Get("range")}
	parse := func(what, s string) reflect.Value {
		v, err := parseText(elem, s)
		if err != nil {
			panic(fmt.Sprintf("baldur: %v.%s: %s %q: %v", t, sf.Name, what, s, err))
		}
		return v
	}
	if d, ok := sf.Tag.Lookup("default"); ok {
		l.def, l.defText = parse("default", d), d
	}
	if l.rng != "" {
		lo, hi, ok := strings.Cut(strings.TrimPrefix(l.rng, "("), ",")
		if !ok {
			panic(fmt.Sprintf("baldur: %v.%s: range %q needs lo,hi", t, sf.Name, l.rng))
		}
		l.openLo = strings.HasPrefix(l.rng, "(")
		l.lo, l.hi = parse("range", lo), parse("range", hi)
	}
	return l
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// parseText reads a value of type t from its text, the way YAML and the
// tags write it. It reports what it expected when the text is not one.
func parseText(t reflect.Type, s string) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	switch {
	case t == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return v, fmt.Errorf(`expected a duration such as "250ms" or "2s"`)
		}
		v.SetInt(int64(d))
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return v, err
		}
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return v, fmt.Errorf("expected true or false")
		}
		v.SetBool(b)
	case t.Kind() == reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return v, fmt.Errorf("expected a whole number")
		}
		v.SetInt(int64(n))
	case t.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != f {
			return v, fmt.Errorf("expected a number")
		}
		v.SetFloat(f)
	case t.Kind() == reflect.String:
		v.SetString(s)
	default:
		panic(fmt.Sprintf("baldur: no configuration syntax for %v", t))
	}
	return v, nil
}

// formatValue writes v the way YAML and docs/config.md show it.
func formatValue(v reflect.Value) string {
	switch {
	case v.Type() == durationType:
		return shortDuration(time.Duration(v.Int()))
	case v.Kind() == reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case v.Type().Implements(reflect.TypeFor[encoding.TextMarshaler]()):
		b, _ := v.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b)
	case v.Kind() == reflect.String:
		return strconv.Quote(v.String())
	}
	return fmt.Sprint(v.Interface())
}

// shortDuration writes d as a person would: 24h, 1m30s, 250ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// less reports a < b for two values of one numeric kind.
func less(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Float64:
		return a.Float() < b.Float()
	default:
		return a.Int() < b.Int()
	}
}

// checkLeaf reports a set value outside its bounds, or one its type
// refuses, as a message without the key path.
func (l *leaf) check(v reflect.Value) string {
	if c, ok := v.Interface().(interface{ check() string }); ok {
		if msg := c.check(); msg != "" {
			return msg
		}
	}
	if !l.lo.IsValid() {
		return ""
	}
	if less(v, l.lo) || less(l.hi, v) || (l.openLo && !less(l.lo, v)) {
		left := "["
		if l.openLo {
			left = "("
		}
		return fmt.Sprintf("%s is out of range %s%s, %s]", formatValue(v), left, formatValue(l.lo), formatValue(l.hi))
	}
	return ""
}

// choicesOf lists the values an enum type accepts, or nil.
func choicesOf(t reflect.Type) []string {
	if c, ok := reflect.Zero(t).Interface().(interface{ choices() []string }); ok {
		return c.choices()
	}
	return nil
}
