package templates

import (
	"fmt"
	"go/types"

	"github.com/dave/jennifer/jen"
)

// A method annotated with dlq is three functions sharing one protected
// path:
//
//	func (d *X) Charge(ctx, orderID, amount) (Receipt, error)   // the call, its capture, its fallback
//	func (d *X) chargeProtected(ctx, pc, orderID, amount) (Receipt, error)   // idempotency, retry, breaker, timeout
//	func (d *X) replayCharge(ctx, data []byte) error   // decode a letter, take the protected path again
//
// and a package-level type holding the arguments, which the capture
// encodes and the replay decodes.

// codecFields are the Go names of the codec type's fields, one per
// captured parameter, in order.
func (mt *method) codecFields() []string {
	dl := mt.m.Policy.DeadLetter
	seen := newNames(nil)
	out := make([]string, len(dl.Params))
	for i := range dl.Params {
		out[i] = seen.fresh(exported(dl.Keys[i]), 2)
	}
	return out
}

// emitCodec declares the codec type of a dlq method.
func (mt *method) emitCodec(f *jen.File) {
	dl := mt.m.Policy.DeadLetter
	names := mt.codecFields()
	fields := make([]jen.Code, len(dl.Params))
	for i, param := range dl.Params {
		fields[i] = jen.Id(names[i]).Add(clientCodecType(mt.m.Sig.Params().At(param).Type(), mt.d.pkg.Types)).Tag(map[string]string{"json": dl.Keys[i]}) // clients: proto messages
	}
	comment(f, fmt.Sprintf("%s holds the arguments of %s.%s as a dead letter keeps them.", dl.ArgsType, mt.d.iface.Name, mt.m.Name))
	f.Type().Id(dl.ArgsType).Types(mt.d.tparams...).Struct(fields...)
	f.Line()
}

// codecValue is the codec type's literal holding the call's arguments.
func (mt *method) codecValue() jen.Code {
	dl := mt.m.Policy.DeadLetter
	names := mt.codecFields()
	values := make([]jen.Code, len(dl.Params))
	for i, param := range dl.Params {
		values[i] = jen.Id(names[i]).Op(":").Add(clientCodecValue(mt.m.Sig.Params().At(param).Type(), jen.Id(mt.params[param]), mt.d.pkg.Types)) // clients: proto messages
	}
	return jen.Id(dl.ArgsType).Types(mt.d.targs...).Values(values...)
}

// pathArgs are the protected path's arguments after ctx and pc: the key
// when the method has one, then every parameter but the context.
func (mt *method) pathArgs(key jen.Code, root func(int) *jen.Statement) []jen.Code {
	var out []jen.Code
	if key != nil {
		out = append(out, key)
	}
	for i := range mt.params {
		if i != mt.m.Policy.Ctx {
			out = append(out, root(i))
		}
	}
	return out
}

// deadLettered renders the public method of a dlq method:
//
//	pc := d.charge.Call()
//	if d.charge.NeedsFields() {
//		... // the fields, as gather writes them
//	}
//	ctx = d.charge.Begin(ctx, &pc)
//	r0, err := d.chargeProtected(ctx, &pc, orderID, amount)
//	if err != nil {
//		err = d.charge.Capture(ctx, &pc, chargeArgs{...}, err)
//		if d.charge.ShouldFallback(ctx, &pc, err) {
//			r0, err = queuedCharge(ctx, orderID, amount, err)
//		}
//	}
//	return r0, d.charge.End(ctx, &pc, err)
//
// The letter is written before the fallback runs, so the fallback (or,
// without one, the caller) gets an error matching baldur.ErrDeadLettered.
func (mt *method) deadLettered(g *jen.Group, c shape) {
	p := mt.m.Policy
	mt.callContext(g, c, false)
	params := func(i int) *jen.Statement { return jen.Id(mt.params[i]) }
	var key jen.Code
	if p.Key != nil {
		key = mt.key(g, mt.local, params, func(keyErr string) jen.Code {
			return jen.Return(append(mt.zeros(), c.policy().Dot("End").Call(c.ctx(), c.pcRef(), jen.Id(keyErr)))...)
		})
	}
	results := mt.resultVars()
	call := jen.Id(c.recv).Dot(mt.d.protectedPaths[mt.m.Name]).Call(append([]jen.Code{c.ctx(), c.pcRef()}, mt.pathArgs(key, params)...)...)
	g.List(append(results, jen.Id(c.err))...).Op(":=").Add(call)
	g.If(jen.Id(c.err).Op("!=").Nil()).BlockFunc(func(b *jen.Group) {
		if len(p.Fields) > 0 {
			// A letter keeps the call's fields: gathered here, when the
			// call has failed, so that a call that succeeds pays nothing
			// for them.
			values := mt.fieldValues(b, mt.local, params)
			for i, f := range p.Fields {
				values[i] = fieldCtor(f, values[i])
				if len(p.Fields) > 2 { // one a line
					values[i] = jen.Line().Add(values[i])
				}
			}
			if len(p.Fields) > 2 {
				values = append(values, jen.Line())
			}
			b.Id(c.pc).Op("=").Add(jen.Id(c.pc).Dot("WithFields").Call(values...))
		}
		b.Id(c.err).Op("=").Add(c.policy().Dot("Capture").Call(c.ctx(), c.pcRef(), mt.codecValue(), jen.Id(c.err)))
		if p.Fallback != nil {
			b.If(c.policy().Dot("ShouldFallback").Call(c.ctx(), c.pcRef(), jen.Id(c.err))).
				Block(jen.List(append(results, jen.Id(c.err))...).Op("=").Add(mt.fallbackCall(c)))
		}
	})
	final := jen.Code(jen.Id(c.err))
	if p.Classify != nil && p.Classify.Results && c.nres > 0 && p.Fallback == nil {
		final = c.policy().Dot("FinalError").Call(jen.Id(c.err))
	}
	g.Return(append(results, c.policy().Dot("End").Call(c.ctx(), c.pcRef(), final))...)
}

// resultVars allocates a variable per result but the error.
func (mt *method) resultVars() []jen.Code {
	n := mt.m.Sig.Results().Len() - 1
	out := make([]jen.Code, n)
	for i := range out {
		out[i] = jen.Id(mt.local.first(fmt.Sprintf("r%d", i), fmt.Sprintf("res%d", i), fmt.Sprintf("result%d", i)))
	}
	return out
}

// zeros are the zero values of the results but the error.
func (mt *method) zeros() []jen.Code {
	res := mt.m.Sig.Results()
	out := make([]jen.Code, 0, res.Len())
	for i := 0; i < res.Len()-1; i++ {
		out = append(out, zeroValue(res.At(i).Type(), mt.d.pkg.Types))
	}
	return out
}

// emitPath declares the protected path of a dlq method, which its public
// method and its replay handler share.
func (mt *method) emitPath(f *jen.File) {
	pm := newMethod(mt.d, mt.m) // a scope of its own, the same parameter names
	c := pm.newShape()
	c.pcIsPtr = true
	params := []jen.Code{jen.Id(c.ctxName).Qual("context", "Context"), jen.Id(c.pc).Op("*").Qual(runtimePath, "PolicyContext")}
	p := mt.m.Policy
	if p.Key != nil {
		key := pm.local.first("key", "idemKey")
		params = append(params, jen.Id(key).String())
		c.keyArg = jen.Id(key)
	}
	sig := mt.m.Sig
	for i, name := range pm.params {
		if i == p.Ctx {
			continue
		}
		params = append(params, jen.Id(name).Add(typeExpr(sig.Params().At(i).Type(), mt.d.pkg.Types)))
	}
	comment(f, fmt.Sprintf("%s is the protected path of %s, which a replay takes again: %s.", mt.d.protectedPaths[mt.m.Name], mt.m.Name, layers(mt)))
	f.Func().Params(jen.Id(pm.recv).Op("*").Add(mt.d.self())).
		Id(mt.d.protectedPaths[mt.m.Name]).Params(params...).Add(resultTypes(sig, mt.d.pkg.Types)).
		BlockFunc(func(g *jen.Group) {
			if p.Key == nil && c.nres == 0 {
				g.Return(c.policy().Dot("Do").Call(c.ctx(), c.pcRef(), pm.attempt(c, nil)))
				return
			}
			ret := pm.body(g, c)
			g.Return(append(ret, jen.Id(c.err))...)
		})
}

// layers names what the protected path does, outermost first.
func layers(mt *method) string {
	p := mt.m.Policy
	var out []string
	if p.Key != nil {
		out = append(out, "idempotency")
	}
	if p.Retry != 0 {
		out = append(out, "retry")
	}
	if p.Breaker != "" {
		out = append(out, "breaker")
	}
	if p.Timeout > 0 {
		out = append(out, "timeout")
	}
	if len(out) == 0 {
		return "the policy as configured"
	}
	s := out[0]
	for i, l := range out[1:] {
		if i == len(out)-2 {
			s += " and " + l
		} else {
			s += ", " + l
		}
	}
	return s
}

// emitReplay declares the replay handler of a dlq method:
//
//	func (d *X) replayCharge(ctx context.Context, data []byte) error {
//		var a chargeArgs
//		if err := baldur.DecodeArgs(data, &a); err != nil {
//			return err
//		}
//		var fields [1]baldur.Field
//		fields[0].SetString("order_id", a.OrderID)
//		pc := d.charge.Call(fields[:]...)
//		_, err := d.chargeProtected(ctx, &pc, a.OrderID, a.Amount)
//		return err
//	}
func (mt *method) emitReplay(f *jen.File) {
	dl := mt.m.Policy.DeadLetter
	scope := newNames(mt.d.taken)
	recv := scope.first("d", "dec", "decorator")
	ctx, data := scope.first("ctx", "replayCtx"), scope.first("data", "letter")
	a, pc, err := scope.first("a", "args"), scope.first("pc", "callCtx"), scope.first("err", "replayErr")
	fields := mt.codecFields()
	byParam := map[int]string{}
	for i, param := range dl.Params {
		byParam[param] = fields[i]
	}
	root := func(i int) *jen.Statement {
		f, ok := byParam[i]
		if !ok {
			return jen.Nil() // clients: call options are not captured; a replay makes the call without them
		}
		return clientCodecField(mt.m.Sig.Params().At(i).Type(), jen.Id(a).Dot(f)) // clients: proto messages
	}
	c := shape{recv: recv, field: mt.d.fields[mt.m.Name], pc: pc, ctxName: ctx, err: err}
	comment(f, fmt.Sprintf("%s replays a captured %s: it decodes the arguments and takes the protected path again, without the fallback and without a second capture.", mt.d.replays[mt.m.Name], mt.m.Name))
	f.Func().Params(jen.Id(recv).Op("*").Add(mt.d.self())).
		Id(mt.d.replays[mt.m.Name]).Params(jen.Id(ctx).Qual("context", "Context"), jen.Id(data).Index().Byte()).Error().
		BlockFunc(func(g *jen.Group) {
			g.Var().Id(a).Id(dl.ArgsType).Types(mt.d.targs...)
			g.If(jen.Id(err).Op(":=").Qual(runtimePath, "DecodeArgs").Call(jen.Id(data), jen.Op("&").Id(a)), jen.Id(err).Op("!=").Nil()).
				Block(jen.Return(jen.Id(err)))
			mt.gather(g, c, scope, root, true)
			var key jen.Code
			if mt.m.Policy.Key != nil {
				// A key that could not be made cannot be made on a
				// replay either: the letter is parked.
				key = mt.key(g, scope, root, func(keyErr string) jen.Code {
					return jen.Return(jen.Qual(runtimePath, "Permanent").Call(jen.Id(keyErr)))
				})
			}
			call := jen.Id(recv).Dot(mt.d.protectedPaths[mt.m.Name]).Call(append([]jen.Code{jen.Id(ctx), jen.Op("&").Id(pc)}, mt.pathArgs(key, root)...)...)
			n := mt.m.Sig.Results().Len() - 1
			if n == 0 {
				g.Return(call)
				return
			}
			lhs := make([]jen.Code, 0, n+1)
			for i := 0; i < n; i++ {
				lhs = append(lhs, jen.Id("_"))
			}
			g.List(append(lhs, jen.Id(err))...).Op(":=").Add(call)
			g.Return(jen.Id(err))
		})
}

// resultTypes renders a signature's results alone.
func resultTypes(sig *types.Signature, from *types.Package) *jen.Statement {
	res := sig.Results()
	if res.Len() == 1 {
		return jen.Add(typeExpr(res.At(0).Type(), from))
	}
	out := make([]jen.Code, res.Len())
	for i := range out {
		out[i] = typeExpr(res.At(i).Type(), from)
	}
	return jen.Parens(jen.List(out...))
}
