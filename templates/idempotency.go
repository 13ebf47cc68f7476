package templates

import (
	"go/types"
	"strconv"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// idempotent renders the body of a method with an idempotency key:
//
//	type args struct {
//		Amount int64 `json:"amount"`
//	}
//	type results struct {
//		R0 Receipt `json:"r0"`
//	}
//	res, err := baldur.Idempotent(ctx, d.charge, orderID, args{Amount: amount},
//		func(ctx context.Context) (results, error) {
//			var out results
//			err := d.charge.Do(ctx, func(ctx context.Context) error { ... out.R0, err = d.next.Charge(...) ... })
//			return out, err
//		})
//
// args are fingerprinted to catch a key reused with other arguments;
// results are what duplicates receive. Both are local types, so they
// declare nothing at package level; a method with no other arguments
// passes nil, and one that returns only an error keeps struct{}. The call
// runs on the runtime's goroutine, so results travel by return value, not
// through the caller's variables.
func (mt *method) idempotent(g *jen.Group, c shape) []jen.Code {
	p, sig := mt.m.Policy, mt.m.Sig
	from := mt.d.pkg.Types
	var argsT, resT string
	if len(p.Key.Args) > 0 {
		argsT = mt.local.first("args", "callArgs")
	}
	if c.nres > 0 {
		resT = mt.local.first("results", "callResults")
	}
	res, out := mt.local.first("res", "callRes"), mt.local.first("out", "attemptRes")
	key := mt.local.first("key", "idemKey")

	args := jen.Nil()
	if argsT != "" {
		argFields, argValues, seen := []jen.Code{}, jen.Dict{}, newNames(nil)
		for _, i := range p.Key.Args {
			v := sig.Params().At(i)
			name := v.Name()
			if name == "" || name == "_" {
				name = "arg" + strconv.Itoa(i)
			}
			field := seen.fresh(exported(name), 2)
			argFields = append(argFields, jen.Id(field).Add(codecType(v.Type(), from)).Tag(map[string]string{"json": name})) // clients: proto messages
			argValues[jen.Id(field)] = codecValue(v.Type(), jen.Id(mt.params[i]), from)                                      // clients
		}
		g.Type().Id(argsT).Struct(argFields...)
		args = jen.Id(argsT).Values(argValues)
	}
	resType := jen.Struct()
	assign := make([]jen.Code, c.nres)
	ret := make([]jen.Code, c.nres)
	if resT != "" {
		resFields := make([]jen.Code, c.nres)
		for i := range resFields {
			f := "R" + strconv.Itoa(i)
			t := sig.Results().At(i).Type()
			resFields[i] = jen.Id(f).Add(codecType(t, from)).Tag(map[string]string{"json": strings.ToLower(f)}) // clients: proto messages
			assign[i] = codecField(t, jen.Id(out).Dot(f))                                                       // clients
			ret[i] = codecField(t, jen.Id(res).Dot(f))                                                          // clients
		}
		g.Type().Id(resT).Struct(resFields...)
		resType = jen.Id(resT)
	}

	runParam, runCtx := c.closureParam, jen.Id(mt.params[max(p.Ctx, 0)])
	if p.Ctx < 0 {
		name := mt.local.first("ctx", "runCtx")
		runParam, runCtx = jen.Id(name).Qual("context", "Context"), jen.Id(name)
	}
	run := jen.Func().Params(runParam).Params(resType.Clone(), jen.Error()).BlockFunc(func(b *jen.Group) {
		do := c.policy().Dot("Do").Call(runCtx, jen.Nil(), mt.attempt(c, assign))
		if c.nres == 0 {
			b.Return(jen.Struct().Values(), do)
			return
		}
		b.Var().Id(out).Id(resT)
		b.Id(c.err).Op(":=").Add(do)
		b.Return(jen.Id(out), jen.Id(c.err))
	})
	// A method that returns only an error has nothing to keep.
	kept := jen.Id(res)
	if c.nres == 0 {
		kept = jen.Id("_")
	}
	call := func(keyArg jen.Code) *jen.Statement {
		return jen.List(kept, jen.Id(c.err)).Op(":=").Qual(runtimePath, "Idempotent").Call(c.ctxArg, c.policy(), keyArg, args, run)
	}

	value, checks := mt.keyValue()
	switch {
	case p.Key.Kind == parser.KeyText:
		// A key that cannot be marshalled is the caller's mistake: it goes
		// back as is, never to a fallback, before anything runs.
		keyErr := mt.local.first("keyErr", "textErr")
		text := jen.Qual(runtimePath, "TextKey").Call(value)
		if len(checks) > 0 {
			g.Var().Id(key).String()
			g.Var().Id(keyErr).Error()
			g.If(jen.Add(joinAnd(checks))).Block(jen.List(jen.Id(key), jen.Id(keyErr)).Op("=").Add(text))
		} else {
			g.List(jen.Id(key), jen.Id(keyErr)).Op(":=").Add(text)
		}
		zeros := make([]jen.Code, 0, c.nres+1)
		for i := 0; i < c.nres; i++ {
			zeros = append(zeros, zeroValue(sig.Results().At(i).Type(), from))
		}
		g.If(jen.Id(keyErr).Op("!=").Nil()).Block(jen.Return(append(zeros, jen.Id(keyErr))...))
		g.Add(call(jen.Id(key)))
	case len(checks) > 0:
		// A nil pointer on the key's path is a missing key, not a panic.
		g.Var().Id(key).String()
		g.If(jen.Add(joinAnd(checks))).Block(jen.Id(key).Op("=").Add(value))
		g.Add(call(jen.Id(key)))
	default:
		g.Add(call(value))
	}
	return ret
}

// keyValue is the key as a string expression (or, for a TextMarshaler,
// the value to marshal), and the nil checks its path needs.
func (mt *method) keyValue() (jen.Code, []jen.Code) {
	k := mt.m.Policy.Key
	expr := jen.Id(mt.params[k.Param])
	var checks []jen.Code
	for i, name := range k.Path {
		if nilable(k.Types[i]) {
			checks = append(checks, expr.Clone().Op("!=").Nil())
		}
		expr = expr.Clone().Dot(name)
		if k.Call && i == len(k.Path)-1 {
			expr = expr.Call()
		}
	}
	last := k.Types[len(k.Types)-1]
	if k.Deref || (k.Kind == parser.KeyStringer || k.Kind == parser.KeyText) && nilable(last) {
		checks = append(checks, expr.Clone().Op("!=").Nil())
	}
	if k.Deref {
		expr = jen.Op("*").Add(expr)
		last = last.Underlying().(*types.Pointer).Elem()
	}
	switch k.Kind {
	case parser.KeyString:
		if !types.Identical(last, types.Typ[types.String]) {
			return jen.String().Parens(expr), checks
		}
		return expr, checks
	case parser.KeyInt:
		return jen.Qual("strconv", "FormatInt").Call(jen.Int64().Parens(expr), jen.Lit(10)), checks
	case parser.KeyUint:
		return jen.Qual("strconv", "FormatUint").Call(jen.Uint64().Parens(expr), jen.Lit(10)), checks
	case parser.KeyStringer:
		return expr.Clone().Dot("String").Call(), checks
	}
	return expr, checks // KeyText: marshalled by baldur.TextKey
}

func nilable(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Interface:
		return true
	}
	return false
}

func joinAnd(conds []jen.Code) *jen.Statement {
	s := jen.Add(conds[0])
	for _, c := range conds[1:] {
		s = s.Op("&&").Add(c)
	}
	return s
}

// exported capitalises a parameter name into a struct field name.
func exported(name string) string {
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	if !unicode.IsUpper(r[0]) { // a letter without case: prefix it
		return "P" + string(r)
	}
	return string(r)
}
