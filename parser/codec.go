package parser

import (
	"go/types"
	"reflect"
	"strings"
)

// What the runtime's JSON codec (encoding/json) can carry faithfully. An
// idempotency fingerprint encodes the arguments; a stored result is
// encoded, then decoded for a duplicate; a dead letter will encode its
// arguments and decode them on replay. A value the codec drops silently (a
// struct's unexported fields) or cannot read back is refused at
// generation time, with the feature's own words around the same reason.

var (
	jsonMarshaler   = methodIface("MarshalJSON", nil, types.NewSlice(types.Typ[types.Byte]), errorType)
	jsonUnmarshaler = methodIface("UnmarshalJSON", []types.Type{types.NewSlice(types.Typ[types.Byte])}, errorType)
	textUnmarshaler = methodIface("UnmarshalText", []types.Type{types.NewSlice(types.Typ[types.Byte])}, errorType)
)

// codecCheck walks one value's type. decode: the value must also be read
// back (a stored result, a replayed argument), not only encoded.
type codecCheck struct {
	decode bool
	from   *types.Package // types are written as this package would
	seen   map[codecVisit]bool
}

type codecVisit struct {
	t    types.Type
	addr bool
}

// codecProblem says why a value of type t would not survive the codec, or
// returns "". The value itself is not addressable (it is handed to the
// codec inside an interface), so a marshaller with a pointer receiver is
// called only where encoding/json reaches the value through a pointer or
// a slice.
func codecProblem(t types.Type, decode bool, from *types.Package) string {
	if IsProtoMessage(t) && (!decode || protoDecodable(t)) { // clients: protojson, through protobaldur
		return ""
	}
	c := &codecCheck{decode: decode, from: from, seen: map[codecVisit]bool{}}
	return c.walk(t, "", false)
}

func (c *codecCheck) str(t types.Type) string { return relativeString(t, c.from) }

// relativeString writes t as package from would: its own types bare, the
// others qualified by package name.
func relativeString(t types.Type, from *types.Package) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == from {
			return ""
		}
		return p.Name()
	})
}

// walk checks t, found at path (Go struct fields from the first struct on
// the way, as encoding/json names them: Order.Lines.Price).
func (c *codecCheck) walk(t types.Type, path string, addr bool) string {
	v := codecVisit{t, addr}
	if c.seen[v] {
		return "" // a recursive type: its first visit decides
	}
	c.seen[v] = true
	if _, isTP := t.(*types.TypeParam); isTP {
		return "" // decided by the type argument
	}
	if why, opaque := c.marshaller(t, path, addr); opaque {
		return why
	}
	switch u := t.Underlying().(type) {
	case *types.Chan:
		return located(path, "JSON cannot encode a channel ("+c.str(t)+")")
	case *types.Signature:
		return located(path, "JSON cannot encode a func ("+c.str(t)+")")
	case *types.Basic:
		if u.Info()&types.IsComplex != 0 || u.Kind() == types.UnsafePointer {
			return located(path, "JSON cannot encode "+c.str(t))
		}
	case *types.Interface:
		if c.decode && !types.Implements(t, jsonUnmarshaler) {
			return located(path, "JSON cannot decode into an interface ("+c.str(t)+")")
		}
	case *types.Pointer:
		return c.walk(u.Elem(), path, true)
	case *types.Slice:
		return c.walk(u.Elem(), path, true)
	case *types.Array:
		return c.walk(u.Elem(), path, addr)
	case *types.Map:
		if why := c.mapKey(u.Key(), path); why != "" {
			return why
		}
		return c.walk(u.Elem(), path, false)
	case *types.Struct:
		return c.fields(t, u, path, addr)
	}
	return ""
}

// marshaller decides a type that marshals itself: opaque is true when the
// type's own methods, not its fields, make its JSON.
func (c *codecCheck) marshaller(t types.Type, path string, addr bool) (why string, opaque bool) {
	switch t.Underlying().(type) {
	case *types.Interface, *types.Pointer:
		return "", false // dynamic, or decided by the element
	}
	has := func(iface *types.Interface) bool {
		return types.Implements(t, iface) || addr && types.Implements(types.NewPointer(t), iface)
	}
	var enc string
	switch {
	case has(jsonMarshaler):
		enc = "MarshalJSON"
	case has(textIface):
		enc = "MarshalText"
	default:
		return "", false
	}
	// Decoding always goes through a pointer.
	ptr := types.NewPointer(t)
	if c.decode && !types.Implements(ptr, jsonUnmarshaler) && !types.Implements(ptr, textUnmarshaler) {
		return located(path, c.str(t)+" has "+enc+" but no UnmarshalJSON or UnmarshalText to read it back"), true
	}
	return "", true
}

// fields checks a struct without marshallers of its own: a field
// encoding/json would drop is a problem of this struct, reported before
// anything deeper; the other fields are walked.
func (c *codecCheck) fields(t types.Type, s *types.Struct, path string, addr bool) string {
	name := c.str(t)
	if path != "" {
		name = path
	} else if n, ok := types.Unalias(t).(*types.Named); ok {
		name = n.Obj().Name()
	}
	type next struct {
		t    types.Type
		path string
	}
	var walk []next
	for i := 0; i < s.NumFields(); i++ {
		f := s.Field(i)
		if reflect.StructTag(s.Tag(i)).Get("json") == "-" {
			continue // left out on purpose
		}
		ft := f.Type()
		if f.Embedded() {
			// The fields of an embedded struct are promoted, even when its
			// type is unexported; anything else embedded and unexported is
			// dropped.
			inner, isPtr := ft, false
			if p, ok := ft.Underlying().(*types.Pointer); ok {
				inner, isPtr = p.Elem(), true
			}
			if _, isStruct := inner.Underlying().(*types.Struct); isStruct {
				if c.decode && isPtr && !f.Exported() {
					return c.unexported(t, f.Name(), path, addr, "embeds *"+c.str(inner)+", a pointer to an unexported struct, which JSON cannot allocate when decoding")
				}
				walk = append(walk, next{ft, name})
				continue
			}
		}
		if !f.Exported() {
			return c.unexported(t, f.Name(), path, addr, "")
		}
		walk = append(walk, next{ft, name + "." + f.Name()})
	}
	for _, n := range walk {
		if why := c.walk(n.t, n.path, addr); why != "" {
			return why
		}
	}
	return ""
}

// unexported describes a struct that would lose a field: it has no
// marshaller the codec calls here.
func (c *codecCheck) unexported(t types.Type, field, path string, addr bool, what string) string {
	msg := c.str(t) + " has unexported field " + field + " and no MarshalJSON or MarshalText"
	if what != "" {
		msg = c.str(t) + " " + what + ", and has no MarshalJSON or MarshalText"
	}
	ptr := types.NewPointer(t)
	for _, m := range []struct {
		name  string
		iface *types.Interface
	}{{"MarshalJSON", jsonMarshaler}, {"MarshalText", textIface}} {
		if !addr && types.Implements(ptr, m.iface) {
			msg = c.str(t) + " has unexported field " + field + ", and its " + m.name + " has a pointer receiver, which encoding/json does not call on a " + c.str(t) + " held by value"
			break
		}
	}
	return located(path, msg)
}

// mapKey checks that encoding/json can write (and read back) a map's keys.
func (c *codecCheck) mapKey(k types.Type, path string) string {
	if b, ok := k.Underlying().(*types.Basic); ok && b.Info()&(types.IsString|types.IsInteger) != 0 {
		return ""
	}
	if !types.Implements(k, textIface) {
		return located(path, "JSON cannot encode map keys of type "+c.str(k)+": a key must be a string, an integer or an encoding.TextMarshaler")
	}
	if c.decode && !types.Implements(types.NewPointer(k), textUnmarshaler) {
		return located(path, "map keys of type "+c.str(k)+" have MarshalText but no UnmarshalText to read them back")
	}
	return ""
}

// located prefixes a problem with where it is, when it is not the value itself.
func located(path, msg string) string {
	if path == "" {
		return msg
	}
	return "field " + path + ": " + msg
}

// codecMessage phrases one feature's refusal: what the value is (argument
// amount, result 0), then the problem, then what the feature cannot do.
func codecMessage(what, problem, consequence string) string {
	return what + ": " + strings.TrimSpace(problem) + "; " + consequence
}
