package baldur

import (
	"bytes"
	"crypto/rand"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Two things json.Marshal writes that the canonical form cannot take as
// they are, so canonicalJSON changes the value before encoding it: a
// time.Time is written with its location's offset (the same instant in two
// zones would differ), and every byte of a string that is not UTF-8 is
// written \ufffd (distinct strings would be equal). valueWalk copies the
// parts of a value that hold such things, leaving the rest shared.

// utcTimes returns v with every time.Time it holds in UTC, or v itself when
// its type holds none.
func utcTimes(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if !walkable(rv.Type(), walkTimes) {
		return v
	}
	w := valueWalk{mode: walkTimes}
	if out, changed := w.value(rv, 0); changed {
		return out.Interface()
	}
	return v
}

// marshalKeepingBytes encodes v, whose encoding raw has \ufffd in it, again
// with the strings that are not UTF-8 written as the canonical form writes
// them: each of their strings is swapped for a placeholder no caller can
// guess, and the placeholder's encoding for the string's canonical one.
func marshalKeepingBytes(v any, raw []byte) ([]byte, error) {
	if v == nil || !walkable(reflect.TypeOf(v), walkStrings) {
		return raw, nil
	}
	w := valueWalk{mode: walkStrings, nonce: rand.Text()}
	out, changed := w.value(reflect.ValueOf(v), 0)
	if !changed {
		return raw, nil
	}
	raw, err := json.Marshal(out.Interface())
	if err != nil {
		return nil, err
	}
	for i, s := range w.swapped {
		raw = bytes.ReplaceAll(raw, []byte(strconv.Quote(w.placeholder(i))), appendCanonicalString(nil, wtf8Of(s)))
	}
	return raw, nil
}

type walkMode uint8

const (
	walkTimes   walkMode = 1 << iota // time.Time values, to UTC
	walkStrings                      // strings that are not UTF-8, to placeholders
)

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

// encodesItself reports whether json.Marshal hands values of t to a method
// of t (or of *t, when they are addressable): the walk leaves them alone.
func encodesItself(t reflect.Type) bool {
	if t.Kind() != reflect.Pointer {
		p := reflect.PointerTo(t)
		if p.Implements(marshalerType) || p.Implements(textType) {
			return true
		}
	}
	return t.Implements(marshalerType) || t.Implements(textType)
}

// walkableTypes caches walkable per type and mode.
var walkableTypes sync.Map // walkKey → bool

type walkKey struct {
	t    reflect.Type
	mode walkMode
}

// walkable reports whether a value of type t may hold something the walk
// in mode changes.
func walkable(t reflect.Type, mode walkMode) bool {
	k := walkKey{t, mode}
	if v, ok := walkableTypes.Load(k); ok {
		return v.(bool)
	}
	ok := walkableType(t, mode, map[reflect.Type]bool{})
	walkableTypes.Store(k, ok)
	return ok
}

func walkableType(t reflect.Type, mode walkMode, seen map[reflect.Type]bool) bool {
	if t == timeType {
		return mode == walkTimes
	}
	if seen[t] {
		return false // a recursive type: its other parts decide
	}
	seen[t] = true
	if t.Kind() == reflect.Pointer { // a *time.Time encodes its time
		return walkableType(t.Elem(), mode, seen)
	}
	if encodesItself(t) {
		return false
	}
	switch t.Kind() {
	case reflect.String:
		return mode == walkStrings
	case reflect.Interface:
		return true // decided by the value it holds
	case reflect.Array:
		return walkableType(t.Elem(), mode, seen)
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8 && walkableType(t.Elem(), mode, seen) // []byte is base64
	case reflect.Map:
		return walkableType(t.Key(), mode, seen) || walkableType(t.Elem(), mode, seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && f.Tag.Get("json") != "-" && walkableType(f.Type, mode, seen) {
				return true
			}
		}
	}
	return false
}

// valueWalk copies values, changing what its mode says.
type valueWalk struct {
	mode    walkMode
	nonce   string
	swapped []string // strings replaced, by placeholder number
}

func (w *valueWalk) placeholder(i int) string { return w.nonce + "-" + strconv.Itoa(i) }

// maxWalkDepth stops the walk in a cyclic value, which json.Marshal then
// refuses.
const maxWalkDepth = 1000

// value returns v changed as w's mode says, and whether anything changed;
// v itself when nothing did.
func (w *valueWalk) value(v reflect.Value, depth int) (reflect.Value, bool) {
	t := v.Type()
	if depth > maxWalkDepth || !walkable(t, w.mode) {
		return v, false
	}
	if t == timeType {
		tm := v.Interface().(time.Time)
		if tm.Location() == time.UTC {
			return v, false
		}
		return reflect.ValueOf(tm.UTC()), true
	}
	switch t.Kind() {
	case reflect.String:
		s := v.String()
		if utf8.ValidString(s) {
			return v, false
		}
		w.swapped = append(w.swapped, s)
		out := reflect.New(t).Elem()
		out.SetString(w.placeholder(len(w.swapped) - 1))
		return out, true
	case reflect.Interface:
		if v.IsNil() {
			return v, false
		}
		e, changed := w.value(v.Elem(), depth+1)
		if !changed {
			return v, false
		}
		out := reflect.New(t).Elem()
		out.Set(e)
		return out, true
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		e, changed := w.value(v.Elem(), depth+1)
		if !changed {
			return v, false
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(e)
		return out, true
	case reflect.Array, reflect.Slice:
		if t.Kind() == reflect.Slice && v.IsNil() {
			return v, false
		}
		var out reflect.Value
		for i := range v.Len() {
			e, changed := w.value(v.Index(i), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				if t.Kind() == reflect.Slice {
					out = reflect.MakeSlice(t, v.Len(), v.Len())
				} else {
					out = reflect.New(t).Elem()
				}
				reflect.Copy(out, v)
			}
			out.Index(i).Set(e)
		}
		return out, out.IsValid()
	case reflect.Map:
		if v.IsNil() {
			return v, false
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		changed := false
		for it := v.MapRange(); it.Next(); {
			k, kc := w.value(it.Key(), depth+1)
			e, ec := w.value(it.Value(), depth+1)
			changed = changed || kc || ec
			out.SetMapIndex(k, e)
		}
		if !changed {
			return v, false
		}
		return out, true
	case reflect.Struct:
		var out reflect.Value
		for i := range t.NumField() {
			// Unexported fields are left alone, also those of an embedded
			// struct whose type is unexported: the walk cannot set them.
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" || strings.Contains(tag, ",string") {
				continue
			}
			e, changed := w.value(v.Field(i), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = reflect.New(t).Elem()
				out.Set(v)
			}
			out.Field(i).Set(e)
		}
		return out, out.IsValid()
	}
	return v, false
}
