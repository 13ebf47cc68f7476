package baldur

import (
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
)

// encodeResult is json.Marshal(r). A plain result type (see planOf) is
// written here instead, without encoding/json's reflection walk and
// buffer pool: the bytes are the same, as a test pins, and anything the
// plan cannot write as encoding/json would, such as a string needing an
// escape, goes to json.Marshal.
func encodeResult[R any](r R, p *resultPlan) ([]byte, error) {
	if p == nil {
		p = planOf(reflect.TypeFor[R]())
	}
	if p.ok {
		var stack [128]byte
		if b, ok := p.append(stack[:0], reflect.ValueOf(r)); ok {
			return append([]byte(nil), b...), nil
		}
	}
	return json.Marshal(r)
}

// resultPlan is how to write a plain type: a bool, an integer or a string,
// or a struct of those whose fields are exported, not embedded, and named
// by their identifier or a tag of letters, digits and underscores, without
// options, all different; no type in it encodes itself.
type resultPlan struct {
	t      reflect.Type
	ok     bool
	fields []plainField // of a struct; nil for a scalar
	isStr  bool         // a struct (written as {...}), even without fields
}

type plainField struct {
	index  int
	prefix string // {"name": for the first field, ,"name": for the others
}

var resultPlans sync.Map // reflect.Type → *resultPlan

func planOf(t reflect.Type) *resultPlan {
	if p, ok := resultPlans.Load(t); ok {
		return p.(*resultPlan)
	}
	p := makePlan(t)
	p.t = t
	resultPlans.Store(t, p)
	return p
}

// planFor is planOf, remembered for the last type seen: a policy's
// results have one type.
func (e *idemEngine) planFor(t reflect.Type) *resultPlan {
	if p := e.plan.Load(); p != nil && p.t == t {
		return p
	}
	p := planOf(t)
	e.plan.Store(p)
	return p
}

func makePlan(t reflect.Type) *resultPlan {
	if encodesItself(t) {
		return &resultPlan{}
	}
	if plainScalar(t) {
		return &resultPlan{ok: true}
	}
	if t.Kind() != reflect.Struct {
		return &resultPlan{}
	}
	p := &resultPlan{ok: true, isStr: true}
	seen := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			name = tag
		}
		if !f.IsExported() || f.Anonymous || !plainName(name) || seen[name] || encodesItself(f.Type) || !plainScalar(f.Type) {
			return &resultPlan{}
		}
		seen[name] = true
		sep := ","
		if i == 0 {
			sep = "{"
		}
		p.fields = append(p.fields, plainField{index: i, prefix: sep + `"` + name + `":`})
	}
	return p
}

func plainScalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr, reflect.String:
		return true
	}
	return false
}

func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// append writes v to b; ok is false when a string needs an escape.
func (p *resultPlan) append(b []byte, v reflect.Value) ([]byte, bool) {
	if !p.isStr {
		return appendScalar(b, v)
	}
	if len(p.fields) == 0 {
		return append(b, "{}"...), true
	}
	for _, f := range p.fields {
		b = append(b, f.prefix...)
		var ok bool
		if b, ok = appendScalar(b, v.Field(f.index)); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

func appendScalar(b []byte, v reflect.Value) ([]byte, bool) {
	switch v.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), true
	case reflect.String:
		s := v.String()
		for i := 0; i < len(s); i++ {
			// encoding/json escapes control characters, quotes,
			// backslashes and, for HTML, <, > and &; and checks UTF-8.
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return b, false
			}
		}
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), true
	}
	return strconv.AppendUint(b, v.Uint(), 10), true
}
