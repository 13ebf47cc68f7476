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
//	res, err := baldur.IdempotentCall(ctx, d.charge, &pc, orderID, args{Amount: amount},
//		func(ctx context.Context, call *baldur.PolicyContext) (results, error) {
//			var out results
//			err := d.charge.Do(ctx, call, func(ctx context.Context) error { ... out.R0, err = d.next.Charge(...) ... })
//			return out, err
//		})
//
// args are fingerprinted to catch a key reused with other arguments;
// results are what duplicates receive. Both are local types, so they
// declare nothing at package level; a method with no other arguments
// passes nil, and one that returns only an error keeps struct{}. The call
// runs on the runtime's goroutine with a PolicyContext of its own (call),
// so results travel by return value, not through the caller's variables.
//
// It returns the results, held in variables when a fallback may replace
// them.
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
	call := mt.local.first("call", "flight", "flightCtx")

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
			argFields = append(argFields, jen.Id(field).Add(clientCodecType(v.Type(), from)).Tag(map[string]string{"json": name})) // clients: proto messages
			argValues[jen.Id(field)] = clientCodecValue(v.Type(), jen.Id(mt.params[i]), from)                                      // clients
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
			resFields[i] = jen.Id(f).Add(clientCodecType(t, from)).Tag(map[string]string{"json": strings.ToLower(f)}) // clients: proto messages
			assign[i] = clientCodecField(t, jen.Id(out).Dot(f))                                                       // clients
			ret[i] = clientCodecField(t, jen.Id(res).Dot(f))                                                          // clients
		}
		g.Type().Id(resT).Struct(resFields...)
		resType = jen.Id(resT)
	}

	// The flight's attempts run on its own PolicyContext.
	inner := c
	inner.pc, inner.pcIsPtr = call, true
	runParam := jen.Id(c.ctxName).Qual("context", "Context")
	run := jen.Func().Params(runParam, jen.Id(call).Op("*").Qual(runtimePath, "PolicyContext")).Params(resType.Clone(), jen.Error()).BlockFunc(func(b *jen.Group) {
		do := c.policy().Dot("Do").Call(c.ctx(), jen.Id(call), mt.attempt(inner, assign))
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
	callIdem := func(keyArg jen.Code) *jen.Statement {
		return jen.List(kept, jen.Id(c.err)).Op(":=").Qual(runtimePath, "IdempotentCall").Call(c.ctx(), c.policy(), c.pcRef(), keyArg, args, run)
	}

	keyArg := c.keyArg
	if keyArg == nil {
		keyArg = mt.key(g, mt.local, func(i int) *jen.Statement { return jen.Id(mt.params[i]) }, func(keyErr string) jen.Code {
			zeros := make([]jen.Code, 0, c.nres+1)
			for i := 0; i < c.nres; i++ {
				zeros = append(zeros, zeroValue(sig.Results().At(i).Type(), from))
			}
			return jen.Return(append(zeros, c.policy().Dot("End").Call(c.ctx(), c.pcRef(), jen.Id(keyErr)))...)
		})
	}
	g.Add(callIdem(keyArg))
	if p.Fallback == nil || c.nres == 0 || c.pcIsPtr {
		return ret
	}
	// A fallback may replace the results: they go in variables.
	vars := make([]jen.Code, c.nres)
	for i := range vars {
		n := strconv.Itoa(i)
		vars[i] = jen.Id(mt.local.first("r"+n, "res"+n, "result"+n))
	}
	g.List(vars...).Op(":=").List(ret...)
	return vars
}

// key renders the idempotency key of a call and returns it: a local, or
// the expression itself when it needs no statement. root spells
// parameter i; onErr is the statement that answers a key a
// TextMarshaler could not make (the caller's mistake: it goes back as is,
// never to a fallback, before anything runs).
func (mt *method) key(g *jen.Group, scope *names, root func(int) *jen.Statement, onErr func(keyErr string) jen.Code) jen.Code {
	k := mt.m.Policy.Key
	value, checks := mt.keyValue(root)
	switch {
	case k.Kind == parser.KeyText:
		key, keyErr := scope.first("key", "idemKey"), scope.first("keyErr", "textErr")
		text := jen.Qual(runtimePath, "TextKey").Call(value)
		if len(checks) > 0 {
			g.Var().Id(key).String()
			g.Var().Id(keyErr).Error()
			g.If(jen.Add(joinAnd(checks))).Block(jen.List(jen.Id(key), jen.Id(keyErr)).Op("=").Add(text))
		} else {
			g.List(jen.Id(key), jen.Id(keyErr)).Op(":=").Add(text)
		}
		g.If(jen.Id(keyErr).Op("!=").Nil()).Block(onErr(keyErr))
		return jen.Id(key)
	case len(checks) > 0:
		// A nil pointer on the key's path is a missing key, not a panic.
		key := scope.first("key", "idemKey")
		g.Var().Id(key).String()
		g.If(jen.Add(joinAnd(checks))).Block(jen.Id(key).Op("=").Add(value))
		return jen.Id(key)
	}
	return value
}

// keyValue is the key as a string expression (or, for a TextMarshaler,
// the value to marshal), and the nil checks its path needs.
func (mt *method) keyValue(root func(int) *jen.Statement) (jen.Code, []jen.Code) {
	k := mt.m.Policy.Key
	expr := root(k.Param)
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
