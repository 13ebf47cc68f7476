package templates

import (
	"fmt"
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
//		var fields [2]baldur.Field
//		fields[0].SetString("order_id", orderID)
//		fields[1].SetInt("amount", amount)
//		pc = d.policy.Call(fields[:]...)
//	}
//
// The array is on this frame's stack (see baldur.PolicyContext), and each
// field is written in place: a Field built elsewhere and copied in would
// be read back before the CPU could forward its stores. root spells
// parameter i: the method's own, or a decoded letter's field; locals come
// from scope.
func (mt *method) gather(g *jen.Group, c shape, scope *names, root func(i int) *jen.Statement, always bool) {
	p := mt.m.Policy
	call := c.policy().Dot("Call")
	if len(p.Fields) == 0 {
		g.Id(c.pc).Op(":=").Add(call.Call())
		return
	}
	fill := func(b *jen.Group, op string) {
		fields := scope.fresh("fields", 2)
		b.Var().Id(fields).Index(jen.Lit(len(p.Fields))).Qual(runtimePath, "Field")
		values := mt.fieldValues(b, scope, root)
		for i, f := range p.Fields {
			kind, v := fieldArg(f, values[i])
			b.Id(fields).Index(jen.Lit(i)).Dot("Set"+kind).Call(jen.Lit(f.Name), v)
		}
		b.Id(c.pc).Op(op).Add(call.Clone().Call(jen.Id(fields).Index(jen.Op(":")).Op("...")))
	}
	if always {
		fill(g, ":=")
		return
	}
	g.Id(c.pc).Op(":=").Add(call.Clone().Call())
	g.If(c.policy().Dot("NeedsFields").Call()).BlockFunc(func(b *jen.Group) { fill(b, "=") })
}

// fieldValues are the fields' values, in the order of the policy's
// fields. A path through pointers
// is read into a local first, behind its nil checks: a nil on the way
// gives the zero value, never a panic. Paths behind the same checks share
// one if.
func (mt *method) fieldValues(g *jen.Group, scope *names, root func(i int) *jen.Statement) []jen.Code {
	type guarded struct {
		checks  []jen.Code
		assigns []jen.Code
	}
	var groups []*guarded
	byChecks := map[string]*guarded{}
	values := make([]jen.Code, len(mt.m.Policy.Fields))
	for i, f := range mt.m.Policy.Fields {
		expr := root(f.Param)
		var checks []jen.Code
		for j, name := range f.Path {
			if _, ptr := f.Types[j].Underlying().(*types.Pointer); ptr {
				checks = append(checks, expr.Clone().Op("!=").Nil())
			}
			expr = expr.Clone().Dot(name)
		}
		if len(checks) > 0 {
			local := scope.fresh(camel(f.Name), 2)
			g.Var().Id(local).Add(typeExpr(f.Type(), mt.d.pkg.Types))
			key := fmt.Sprintf("%#v", joinAnd(checks))
			grp := byChecks[key]
			if grp == nil {
				grp = &guarded{checks: checks}
				byChecks[key] = grp
				groups = append(groups, grp)
			}
			grp.assigns = append(grp.assigns, jen.Id(local).Op("=").Add(expr))
			expr = jen.Id(local)
		}
		values[i] = expr
	}
	for _, grp := range groups {
		g.If(joinAnd(grp.checks)).Block(grp.assigns...)
	}
	return values
}

// fieldCtor is baldur.String, Int, Uint or Bool of the field's value.
func fieldCtor(f *parser.Field, expr jen.Code) jen.Code {
	kind, v := fieldArg(f, expr)
	return jen.Qual(runtimePath, kind).Call(jen.Lit(f.Name), v)
}

// fieldArg is the kind of a field as its constructors and setters name it
// (String, Int, Uint, Bool), and its value converted to their parameter's
// type when it is a named one.
func fieldArg(f *parser.Field, expr jen.Code) (string, jen.Code) {
	t := f.Type()
	conv := func(basic types.BasicKind, kind string, as func() *jen.Statement) (string, jen.Code) {
		if !types.Identical(t, types.Typ[basic]) {
			return kind, as().Parens(expr)
		}
		return kind, expr
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
