package baldur

import (
	"bytes"
	"reflect"
	"sync"
	"sync/atomic"
)

// callArgs are the arguments of a call other than its key, as the engine
// compares them: by their canonical JSON, or, on the memory store, by the
// value itself when its type's == says exactly what the canonical JSON
// would (see comparableArgs). Such a value is encoded only when something
// needs its bytes: a fingerprint, a record read through the
// IdempotencyStore methods, a record written by another way.
type callArgs struct {
	val   any
	byVal bool
	canon []byte // the canonical JSON; computed on first use when byVal
	ready bool   // canon is set
}

// bytes is the canonical JSON of the arguments. The value of a type that
// comparableArgs accepts always encodes.
func (a *callArgs) bytes() []byte {
	if !a.ready {
		a.canon, _ = canonicalJSON(a.val)
		a.ready = true
	}
	return a.canon
}

// same reports whether a and b are the same arguments.
func (a *callArgs) same(b *callArgs) bool {
	if a.byVal && b.byVal {
		return a.val == b.val
	}
	return bytes.Equal(a.bytes(), b.bytes())
}

// argsShape is what an engine knows of one type of arguments.
type argsShape struct {
	t     reflect.Type
	byVal bool // comparableArgs(t)
	times bool // a time.Time may be in it (see utcTimes)
}

// shapeOf is the shape of v's type, remembered for the last type seen:
// a policy's calls have one type of arguments.
func (e *idemEngine) shapeOf(v any) *argsShape {
	t := reflect.TypeOf(v)
	if s := e.shape.Load(); s != nil && s.t == t {
		return s
	}
	s := &argsShape{t: t}
	if t != nil {
		s.byVal = e.mem != nil && comparableArgs(t)
		s.times = walkable(t, walkTimes)
	} else {
		s.byVal = e.mem != nil
	}
	e.shape.Store(s)
	return s
}

var comparableTypes sync.Map // reflect.Type → bool

// comparableArgs reports whether == on values of t agrees exactly with
// equality of their canonical JSON: t is made only of booleans, integers,
// strings (their bytes, which the canonical form keeps distinct), arrays
// and structs of those, with every field exported and encoded (no
// json:"-"), none embedded, and no type that encodes itself. Floats are left out: NaN is
// not equal to itself, and JSON refuses it.
func comparableArgs(t reflect.Type) bool {
	if v, ok := comparableTypes.Load(t); ok {
		return v.(bool)
	}
	ok := comparableType(t, 0)
	comparableTypes.Store(t, ok)
	return ok
}

func comparableType(t reflect.Type, depth int) bool {
	if depth > 32 || encodesItself(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.String:
		return true
	case reflect.Array:
		return comparableType(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			// An embedded struct's fields are promoted by JSON's own rules
			// (a clash hides both): left to the canonical JSON.
			if !f.IsExported() || f.Anonymous || f.Tag.Get("json") == "-" || !comparableType(f.Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// shapeCache is the engine's field for shapeOf.
type shapeCache = atomic.Pointer[argsShape]
