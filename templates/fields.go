package templates

import (
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// gather renders a call's PolicyContext. Unless always, the fields are
// gathered only when the policy says something reads them:
//
//	pc := d.policy.Call()
//	if d.policy.NeedsFields() {
//		pc = d.policy.Call(baldur.String("order_id", orderID), ...)
//	}
//
// The fields are built only as Call's arguments, so that their array is
// the variadic one on this frame's stack (see baldur.PolicyContext). root
// spells parameter i: the method's own, or a decoded letter's field;
// locals come from scope.
func (mt *method) gather(g *jen.Group, c shape, scope *names, root func(i int) *jen.Statement, always bool) {
	p := mt.m.Policy
	call := c.policy().Dot("Call")
	if len(p.Fields) == 0 {
		g.Id(c.pc).Op(":=").Add(call.Call())
		return
	}
	fill := func(b *jen.Group, op string) {
		values := make([]jen.Code, len(p.Fields))
		for i, f := range p.Fields {
			values[i] = mt.fieldValue(b, f, scope, root)
		}
		b.Id(c.pc).Op(op).Add(call.Clone().Call(values...))
	}
	if always {
		fill(g, ":=")
		return
	}
	g.Id(c.pc).Op(":=").Add(call.Clone().Call())
	g.If(c.policy().Dot("NeedsFields").Call()).BlockFunc(func(b *jen.Group) { fill(b, "=") })
}

// fieldValue is one field's constructor call. A path through pointers is
// read into a local first, behind its nil checks: a nil on the way gives
// the zero value, never a panic.
func (mt *method) fieldValue(g *jen.Group, f *parser.Field, scope *names, root func(i int) *jen.Statement) jen.Code {
	expr := root(f.Param)
	var checks []jen.Code
	for i, name := range f.Path {
		if _, ptr := f.Types[i].Underlying().(*types.Pointer); ptr {
			checks = append(checks, expr.Clone().Op("!=").Nil())
		}
		expr = expr.Clone().Dot(name)
	}
	if len(checks) > 0 {
		local := scope.fresh(camel(f.Name), 2)
		g.Var().Id(local).Add(typeExpr(f.Type(), mt.d.pkg.Types))
		g.If(joinAnd(checks)).Block(jen.Id(local).Op("=").Add(expr))
		expr = jen.Id(local)
	}
	t := f.Type()
	conv := func(basic types.BasicKind, ctor string, as func() *jen.Statement) jen.Code {
		v := jen.Code(expr)
		if !types.Identical(t, types.Typ[basic]) {
			v = as().Parens(expr)
		}
		return jen.Qual(runtimePath, ctor).Call(jen.Lit(f.Name), v)
	}
	switch f.Kind {
	case parser.FieldInt:
		return conv(types.Int64, "Int", jen.Int64)
	case parser.FieldUint:
		return conv(types.Uint64, "Uint", jen.Uint64)
	case parser.FieldBool:
		return conv(types.Bool, "Bool", jen.Bool)
	case parser.FieldString:
		return conv(types.String, "String", jen.String)
	}
	panic("baldurgen: unknown field kind")
}

// camel turns a field name, customer_tier, into a Go local, customerTier.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	out := strings.Join(parts, "")
	if out == "" || !isIdentStart(out[0]) {
		out = "field" + out
	}
	return out
}

func isIdentStart(b byte) bool { return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
