package templates

import (
	"go/types"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// typeExpr spells t as package from would write it. Named types are
// qualified through jen.Qual, so jennifer prints the import names chosen
// by imports().
func typeExpr(t types.Type, from *types.Package) jen.Code {
	switch t := t.(type) {
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return jen.Qual("unsafe", "Pointer")
		}
		return jen.Id(t.Name())
	case *types.Alias:
		if !parser.AliasNameable(t, from) {
			return typeExpr(types.Unalias(t), from)
		}
		return withArgs(qualified(t.Obj()), t.TypeArgs(), from)
	case *types.Named:
		return withArgs(qualified(t.Obj()), t.TypeArgs(), from)
	case *types.TypeParam:
		return jen.Id(t.Obj().Name())
	case *types.Pointer:
		return jen.Op("*").Add(typeExpr(t.Elem(), from))
	case *types.Slice:
		return jen.Index().Add(typeExpr(t.Elem(), from))
	case *types.Array:
		return jen.Index(jen.Lit(int(t.Len()))).Add(typeExpr(t.Elem(), from))
	case *types.Map:
		return jen.Map(typeExpr(t.Key(), from)).Add(typeExpr(t.Elem(), from))
	case *types.Chan:
		return chanExpr(t, from)
	case *types.Signature:
		return jen.Func().Add(signature(t, nil, from))
	case *types.Struct:
		return structExpr(t, from)
	case *types.Interface:
		return interfaceExpr(t, from)
	case *types.Union:
		terms := make([]jen.Code, t.Len())
		for i := range terms {
			term := t.Term(i)
			terms[i] = typeExpr(term.Type(), from)
			if term.Tilde() {
				terms[i] = jen.Op("~").Add(terms[i])
			}
		}
		return jen.Union(terms...)
	}
	panic("baldurgen: unexpected type " + t.String())
}

func qualified(obj *types.TypeName) *jen.Statement {
	if obj.Pkg() == nil {
		return jen.Id(obj.Name())
	}
	return jen.Qual(obj.Pkg().Path(), obj.Name())
}

func withArgs(s *jen.Statement, args *types.TypeList, from *types.Package) jen.Code {
	if args.Len() == 0 {
		return s
	}
	codes := make([]jen.Code, args.Len())
	for i := range codes {
		codes[i] = typeExpr(args.At(i), from)
	}
	return s.Types(codes...)
}

func chanExpr(t *types.Chan, from *types.Package) jen.Code {
	elem := typeExpr(t.Elem(), from)
	switch t.Dir() {
	case types.SendOnly:
		return jen.Chan().Op("<-").Add(elem)
	case types.RecvOnly:
		return jen.Op("<-").Chan().Add(elem)
	}
	// `chan <-chan T` would parse as `chan<- chan T`: <- binds to the
	// leftmost chan, so a receive-only element needs parentheses.
	if inner, ok := t.Elem().Underlying().(*types.Chan); ok && inner.Dir() == types.RecvOnly && t.Elem() == types.Type(inner) {
		return jen.Chan().Parens(elem)
	}
	return jen.Chan().Add(elem)
}

// signature renders (params) results. names, when given, names the
// parameters; otherwise they are written as types only.
func signature(sig *types.Signature, names []string, from *types.Package) *jen.Statement {
	params := make([]jen.Code, sig.Params().Len())
	for i := range params {
		t := sig.Params().At(i).Type()
		var c jen.Code
		if sig.Variadic() && i == len(params)-1 {
			c = jen.Op("...").Add(typeExpr(t.(*types.Slice).Elem(), from))
		} else {
			c = typeExpr(t, from)
		}
		if names != nil {
			c = jen.Id(names[i]).Add(c)
		}
		params[i] = c
	}
	s := jen.Params(params...)
	switch n := sig.Results().Len(); n {
	case 0:
	case 1:
		s.Add(typeExpr(sig.Results().At(0).Type(), from))
	default:
		results := make([]jen.Code, n)
		for i := range results {
			results[i] = typeExpr(sig.Results().At(i).Type(), from)
		}
		s.Params(results...)
	}
	return s
}

func structExpr(t *types.Struct, from *types.Package) jen.Code {
	fields := make([]jen.Code, t.NumFields())
	for i := range fields {
		f := t.Field(i)
		var field *jen.Statement
		if f.Embedded() {
			field = jen.Add(typeExpr(f.Type(), from))
		} else {
			field = jen.Id(f.Name()).Add(typeExpr(f.Type(), from))
		}
		if tag := t.Tag(i); tag != "" {
			field.Add(tagLit(tag))
		}
		fields[i] = field
	}
	return jen.Struct(fields...)
}

// tagLit writes a struct tag as people do, in backquotes; a tag a raw
// string cannot hold (a backquote, a carriage return, a control character
// or invalid UTF-8) is written as the equal quoted literal.
func tagLit(tag string) jen.Code {
	raw := utf8.ValidString(tag) && !strings.ContainsFunc(tag, func(r rune) bool {
		return r == '`' || r == '\r' || unicode.IsControl(r) && r != '\t'
	})
	if !raw {
		return jen.Lit(tag)
	}
	return jen.Op("`" + tag + "`")
}

// zeroValue is the literal of t's zero value: 0, "", false, nil, T{}, or
// *new(T) for a type parameter.
func zeroValue(t types.Type, from *types.Package) jen.Code {
	if _, isTP := t.(*types.TypeParam); isTP {
		return jen.Op("*").New(typeExpr(t, from))
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch info := u.Info(); {
		case info&types.IsBoolean != 0:
			return jen.False()
		case info&types.IsString != 0:
			return jen.Lit("")
		case info&types.IsNumeric != 0:
			return jen.Lit(0)
		}
	case *types.Struct, *types.Array:
		return jen.Add(typeExpr(t, from)).Values()
	}
	return jen.Nil() // pointers, slices, maps, chans, funcs, interfaces, unsafe.Pointer
}

func interfaceExpr(t *types.Interface, from *types.Package) jen.Code {
	if t.IsImplicit() { // the `~int | ~string` of a constraint written inline
		return typeExpr(t.EmbeddedType(0), from)
	}
	var elems []jen.Code
	for i := 0; i < t.NumEmbeddeds(); i++ {
		elems = append(elems, typeExpr(t.EmbeddedType(i), from))
	}
	for i := 0; i < t.NumExplicitMethods(); i++ {
		m := t.ExplicitMethod(i)
		elems = append(elems, jen.Id(m.Name()).Add(signature(m.Type().(*types.Signature), nil, from)))
	}
	return jen.Interface(elems...)
}

// typeParams renders a declaration's type parameter list, [T any, ...].
func typeParams(tps *types.TypeParamList, from *types.Package) []jen.Code {
	out := make([]jen.Code, tps.Len())
	for i := range out {
		tp := tps.At(i)
		out[i] = jen.Id(tp.Obj().Name()).Add(typeExpr(tp.Constraint(), from))
	}
	return out
}

// typeArgs renders the type parameters as arguments, [T, ...].
func typeArgs(tps *types.TypeParamList) []jen.Code {
	out := make([]jen.Code, tps.Len())
	for i := range out {
		out[i] = jen.Id(tps.At(i).Obj().Name())
	}
	return out
}
