package parser

import "go/types"

// unnameable describes the first part of t that code in package from
// cannot spell, or returns "": an unexported type, struct field or method
// of another package, or a type declared inside a function.
func unnameable(t types.Type, from *types.Package) string {
	switch t := t.(type) {
	case *types.Alias:
		if AliasNameable(t, from) {
			return typeArgs(t.TypeArgs(), from)
		}
		return unnameable(types.Unalias(t), from)
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() != nil {
			if obj.Parent() != obj.Pkg().Scope() {
				return "the type " + obj.Name() + " declared inside a function"
			}
			if obj.Pkg() != from && !obj.Exported() {
				return obj.Pkg().Name() + "." + obj.Name() + " (unexported in " + obj.Pkg().Path() + ")"
			}
		}
		return typeArgs(t.TypeArgs(), from)
	case *types.Pointer:
		return unnameable(t.Elem(), from)
	case *types.Slice:
		return unnameable(t.Elem(), from)
	case *types.Array:
		return unnameable(t.Elem(), from)
	case *types.Chan:
		return unnameable(t.Elem(), from)
	case *types.Map:
		if why := unnameable(t.Key(), from); why != "" {
			return why
		}
		return unnameable(t.Elem(), from)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if why := unnameable(tup.At(i).Type(), from); why != "" {
					return why
				}
			}
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			f := t.Field(i)
			if !f.Exported() && f.Pkg() != from {
				return "the unexported struct field " + f.Name() + " of package " + f.Pkg().Path()
			}
			if why := unnameable(f.Type(), from); why != "" {
				return why
			}
		}
	case *types.Interface:
		for i := 0; i < t.NumExplicitMethods(); i++ {
			m := t.ExplicitMethod(i)
			if !m.Exported() && m.Pkg() != from {
				return "the unexported method " + m.Name() + " of package " + m.Pkg().Path()
			}
			if why := unnameable(m.Type(), from); why != "" {
				return why
			}
		}
		for i := 0; i < t.NumEmbeddeds(); i++ {
			if why := unnameable(t.EmbeddedType(i), from); why != "" {
				return why
			}
		}
	case *types.Union:
		for i := 0; i < t.Len(); i++ {
			if why := unnameable(t.Term(i).Type(), from); why != "" {
				return why
			}
		}
	}
	return ""
}

// AliasNameable reports whether package from can spell alias t by its own
// name: predeclared, or declared at package level and either exported or
// in from itself. Otherwise the aliased type is spelled out.
func AliasNameable(t *types.Alias, from *types.Package) bool {
	obj := t.Obj()
	if obj.Pkg() == nil {
		return true
	}
	return obj.Parent() == obj.Pkg().Scope() && (obj.Exported() || obj.Pkg() == from)
}

func typeArgs(list *types.TypeList, from *types.Package) string {
	for i := 0; i < list.Len(); i++ {
		if why := unnameable(list.At(i), from); why != "" {
			return why
		}
	}
	return ""
}
