package parser

import (
	"go/token"
	"go/types"
)

// FieldKind is how a field's value reaches the runtime: baldur.String,
// Int, Uint or Bool.
type FieldKind int

const (
	FieldString FieldKind = iota
	FieldInt
	FieldUint
	FieldBool
)

// Field is one PolicyContext field of a protected method's calls.
type Field struct {
	// Name is the field's name: the parameter's or the path's last
	// element in snake_case, or the name a context= entry gave it.
	Name string
	// Param is the index of the parameter the value comes from; Path are
	// the field selectors after it, embedded fields spelt out.
	Param int
	Path  []string
	// Types[i] is the type after i selectors; a pointer among them (but
	// the last) is checked for nil, and a nil one gives the zero value.
	Types []types.Type
	Kind  FieldKind
	// Pos is where the field was asked for (its context= or breaker_key
	// entry); an automatic field has the method's position.
	Pos token.Position
}

// Type is the type of the field's value.
func (f *Field) Type() types.Type { return f.Types[len(f.Types)-1] }

// fieldKind classifies a type that can be a field: a string, boolean or
// integer kind, named or not. Floats compare badly as text, uintptr and
// unsafe.Pointer are not business values.
func fieldKind(t types.Type) (FieldKind, bool) {
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return 0, false
	}
	switch info := b.Info(); {
	case b.Kind() == types.Uintptr:
		return 0, false
	case info&types.IsString != 0:
		return FieldString, true
	case info&types.IsBoolean != 0:
		return FieldBool, true
	case info&types.IsInteger != 0 && info&types.IsUnsigned != 0:
		return FieldUint, true
	case info&types.IsInteger != 0:
		return FieldInt, true
	}
	return 0, false
}

// autoFields are the fields every call carries without being asked: each
// named parameter of a basic kind, under its name in snake_case, but the
// sensitive ones.
func autoFields(m *Method, p *Policy, sensitive map[int]bool, at token.Position) []*Field {
	var out []*Field
	params := m.Sig.Params()
	for i := 0; i < params.Len(); i++ {
		v := params.At(i)
		if i == p.Ctx || sensitive[i] || v.Name() == "" || v.Name() == "_" {
			continue
		}
		if m.Sig.Variadic() && i == params.Len()-1 {
			continue // a slice, never basic
		}
		kind, ok := fieldKind(v.Type())
		if !ok {
			continue
		}
		out = append(out, &Field{Name: snake(v.Name()), Param: i, Types: []types.Type{v.Type()}, Kind: kind, Pos: at})
	}
	return out
}

// FieldNames are the names of the fields, in order: Spec.Fields.
func (p *Policy) FieldNames() []string {
	names := make([]string, len(p.Fields))
	for i, f := range p.Fields {
		names[i] = f.Name
	}
	return names
}
