package templates

import (
	"fmt"
	"go/types"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// method renders one method of a decorator. Its identifiers are allocated
// so that none shadows an import, a package-level name, a type parameter
// or another identifier of the method: parameters named like an import,
// unnamed, or `_` are renamed; the interface does not care.
type method struct {
	d      *decorator
	m      *parser.Method
	recv   string
	params []string
	local  *names
	http   *httpCall // clients: set by clientsPrologue (clients.go)
}

func newMethod(d *decorator, m *parser.Method) *method {
	local := newNames(d.taken)
	mt := &method{d: d, m: m}
	n := m.Sig.Params().Len()
	mt.params = make([]string, n)
	// Keep the parameters' own names where they are free, first, so a
	// later generated name never takes one of them.
	for i := 0; i < n; i++ {
		name := m.Sig.Params().At(i).Name()
		if name != "" && name != "_" && !local.taken(name) {
			mt.params[i] = name
			local.add(name)
		}
	}
	for i := 0; i < n; i++ {
		if mt.params[i] == "" {
			base := m.Sig.Params().At(i).Name()
			if base == "" || base == "_" {
				base = "arg" + strconv.Itoa(i)
			}
			mt.params[i] = local.fresh(base, 2)
		}
	}
	mt.recv = local.first("d", "dec", "decorator")
	mt.local = local
	return mt
}

func (mt *method) emit(f *jen.File) {
	sig := mt.m.Sig
	dlq := mt.m.Policy != nil && mt.m.Policy.DeadLetter != nil
	if dlq {
		mt.emitCodec(f)
	}
	comment(f, mt.doc())
	f.Func().Params(jen.Id(mt.recv).Op("*").Add(mt.d.self())).
		Id(mt.m.Name).Add(signature(sig, mt.params, mt.d.pkg.Types)).
		BlockFunc(func(g *jen.Group) {
			if mt.m.Policy == nil {
				mt.passThrough(g)
			} else {
				mt.protected(g)
			}
		})
	if dlq {
		f.Line()
		mt.emitPath(f)
		f.Line()
		mt.emitReplay(f)
	}
}

func (mt *method) doc() string {
	p := mt.m.Policy
	if p == nil {
		return fmt.Sprintf("%s calls the wrapped %s directly.", mt.m.Name, mt.m.Name)
	}
	s := fmt.Sprintf("%s calls the wrapped %s under policy %s", mt.m.Name, mt.m.Name, p.Name)
	switch {
	case p.DeadLetter != nil && p.Fallback != nil:
		s += "; when it fails for good, the call is captured for replay and " + p.Fallback.Name() + " answers"
	case p.DeadLetter != nil:
		s += "; when it fails for good, the call is captured for replay"
	case p.Fallback != nil:
		s += "; when it fails for good, " + p.Fallback.Name() + " answers instead"
	}
	return s + "."
}

// args are the call arguments, with the variadic one spread.
func (mt *method) args() []jen.Code {
	out := make([]jen.Code, len(mt.params))
	for i, p := range mt.params {
		out[i] = jen.Id(p)
		if mt.m.Sig.Variadic() && i == len(mt.params)-1 {
			out[i] = jen.Id(p).Op("...")
		}
	}
	return out
}

func (mt *method) inner() *jen.Statement {
	return jen.Id(mt.recv).Dot(mt.d.next).Dot(mt.m.Name).Call(mt.args()...)
}

func (mt *method) passThrough(g *jen.Group) {
	if mt.m.Sig.Results().Len() == 0 {
		g.Add(mt.inner())
		return
	}
	g.Return(mt.inner())
}

// protected renders
//
//	pc := d.policy.Call()
//	if d.policy.NeedsFields() {
//		var fields [1]baldur.Field
//		fields[0].SetString("order_id", orderID)
//		pc = d.policy.Call(fields[:]...)
//	}
//	ctx = d.policy.Begin(ctx, &pc)
//	var r0 T
//	err := d.policy.Do(ctx, &pc, func(ctx context.Context) error {
//		var err error
//		r0, err = d.next.M(ctx, ...)
//		return err
//	})
//	if err != nil && d.policy.ShouldFallback(ctx, &pc, err) {
//		r0, err = fallback(ctx, ..., err)
//	}
//	return r0, d.policy.End(ctx, &pc, err)
//
// The PolicyContext is a local that only the runtime's calls see through
// &pc, so it and its fields stay on the stack; the closure does not
// escape Do either. A method with an idempotency key runs the same Do
// inside baldur.IdempotentCall (see idempotent); one with dlq runs it in
// an unexported method that its replay handler shares (see deadLettered).
func (mt *method) protected(g *jen.Group) {
	p := mt.m.Policy
	c := mt.newShape()
	if p.DeadLetter != nil {
		mt.deadLettered(g, c)
		return
	}
	mt.callContext(g, c, false)
	mt.clientsPrologue(g, &c) // clients: httpbaldur.Call, a result that outlives the call
	mt.finish(g, c, mt.body(g, c))
}

// body renders the protected path (idempotency, then Do) and returns the
// results it leaves.
func (mt *method) body(g *jen.Group, c shape) []jen.Code {
	if mt.m.Policy.Key != nil {
		return mt.idempotent(g, c)
	}
	return mt.plain(g, c)
}

// finish renders the fallback and the one return, through End.
func (mt *method) finish(g *jen.Group, c shape, ret []jen.Code) {
	p := mt.m.Policy
	final := jen.Id(c.err)
	judged := p.Classify != nil && p.Classify.Results && c.nres > 0
	if p.Fallback != nil {
		fb := jen.List(append(ret, jen.Id(c.err))...).Op("=").Add(mt.fallbackCall(c))
		cond := jen.Id(c.err).Op("!=").Nil().Op("&&").Add(c.policy().Dot("ShouldFallback").Call(c.ctx(), c.pcRef(), jen.Id(c.err)))
		if judged {
			// A success judged a failure that no fallback answered goes
			// back as the success it was.
			g.If(cond).Block(mt.clientsBeforeFallback(ret), fb).Else().Block(jen.Id(c.err).Op("=").Add(c.policy().Dot("FinalError").Call(jen.Id(c.err)))) // clients: drop the last response
		} else {
			g.If(cond).Block(mt.clientsBeforeFallback(ret), fb) // clients: drop the last response
		}
	} else if judged {
		final = c.policy().Dot("FinalError").Call(jen.Id(c.err))
	}
	final = mt.clientsResult(g, c, ret, final) // clients: httpbaldur.Call decides what the caller gets
	g.Return(append(ret, c.policy().Dot("End").Call(c.ctx(), c.pcRef(), final))...)
}

// fallbackCall calls the fallback with the method's arguments (a variadic
// one as its slice) and the error.
func (mt *method) fallbackCall(c shape) *jen.Statement {
	p := mt.m.Policy
	args := make([]jen.Code, 0, len(mt.params)+1)
	for _, name := range mt.params {
		args = append(args, jen.Id(name))
	}
	args = append(args, jen.Id(c.err))
	fb := jen.Qual(p.Fallback.Pkg().Path(), p.Fallback.Name())
	if p.Fallback.Type().(*types.Signature).TypeParams().Len() > 0 {
		fb.Types(mt.d.targs...)
	}
	return fb.Call(args...)
}

// shape holds what every protected body uses.
type shape struct {
	recv, field string
	err         string
	pc          string
	// pcIsPtr: pc is a *baldur.PolicyContext parameter (the protected path
	// of a dlq method), not the caller's local.
	pcIsPtr bool
	// ctxName is the context handed to the runtime: the method's own, or
	// a local made from context.Background() for a method without one.
	ctxName      string
	closureParam jen.Code // the attempt closure's parameter
	nres         int      // results without the error
	// keyArg is the idempotency key when the caller made it (the
	// protected path of a dlq method takes it as a parameter).
	keyArg jen.Code
}

func (c shape) policy() *jen.Statement { return jen.Id(c.recv).Dot(c.field) }
func (c shape) ctx() *jen.Statement    { return jen.Id(c.ctxName) }

// pcRef is the call's PolicyContext as the runtime takes it: &pc.
func (c shape) pcRef() *jen.Statement {
	if c.pcIsPtr {
		return jen.Id(c.pc)
	}
	return jen.Op("&").Id(c.pc)
}

// pcValue is the call's PolicyContext as a classify function takes it.
func (c shape) pcValue() *jen.Statement {
	if c.pcIsPtr {
		return jen.Op("*").Id(c.pc)
	}
	return jen.Id(c.pc)
}

func (mt *method) newShape() shape {
	c := shape{recv: mt.recv, field: mt.d.fields[mt.m.Name], nres: mt.m.Sig.Results().Len() - 1}
	c.err = mt.local.first("err", "callErr")
	c.pc = mt.local.first("pc", "callCtx", "policyCtx")
	c.closureParam = jen.Qual("context", "Context")
	if i := mt.m.Policy.Ctx; i >= 0 {
		c.ctxName = mt.params[i]
		// The closure's parameter shadows the method's context on purpose:
		// the inner call must see the attempt's context.
		c.closureParam = jen.Id(mt.params[i]).Qual("context", "Context")
	} else {
		c.ctxName = mt.local.first("ctx", "callCtx", "baldurCtx")
	}
	if mt.keepsCallerContext() { // clients: a result that outlives the call
		c.closureParam = jen.Qual("context", "Context")
	}
	return c
}

// callContext renders the call's PolicyContext and its start:
//
//	pc := d.policy.Call()
//	if d.policy.NeedsFields() {
//		... // the fields, as gather writes them
//	}
//	ctx = d.policy.Begin(ctx, &pc)
//
// always gathers the fields whatever NeedsFields says (a dead letter
// keeps them).
func (mt *method) callContext(g *jen.Group, c shape, always bool) {
	root := func(i int) *jen.Statement { return jen.Id(mt.params[i]) }
	mt.gather(g, c, mt.local, root, always)
	begin := c.policy().Dot("Begin")
	if mt.m.Policy.Ctx >= 0 {
		g.Id(c.ctxName).Op("=").Add(begin.Call(c.ctx(), c.pcRef()))
	} else {
		g.Id(c.ctxName).Op(":=").Add(begin.Call(mt.clientsBaseContext(), c.pcRef())) // clients: a request's context
	}
}

// attempt is the closure handed to Do: it calls the wrapped method and
// stores its results through assign. A classify function of the results
// judges each attempt there.
func (mt *method) attempt(c shape, assign []jen.Code) jen.Code {
	p := mt.m.Policy
	return jen.Func().Params(c.closureParam).Error().BlockFunc(func(b *jen.Group) {
		if mt.http != nil { // clients: an attempt of an httpbaldur.Call
			mt.httpAttempt(b, c, assign)
			return
		}
		if c.nres == 0 {
			b.Return(mt.inner())
			return
		}
		b.Var().Id(c.err).Error()
		b.List(append(assign, jen.Id(c.err))...).Op("=").Add(mt.inner())
		if p.Classify != nil && p.Classify.Results {
			args := append([]jen.Code{c.pcValue()}, assign...)
			decision := jen.Qual(p.Classify.Func.Pkg().Path(), p.Classify.Func.Name()).Call(append(args, jen.Id(c.err))...)
			b.Return(c.policy().Dot("Judge").Call(decision, jen.Id(c.err)))
			return
		}
		b.Return(jen.Id(c.err))
	})
}

// plain renders the body of a method without an idempotency key and
// returns its results.
func (mt *method) plain(g *jen.Group, c shape) []jen.Code {
	sig := mt.m.Sig
	results := make([]jen.Code, c.nres)
	for i := range results {
		n := strconv.Itoa(i)
		name := mt.local.first("r"+n, "res"+n, "result"+n)
		g.Var().Id(name).Add(typeExpr(sig.Results().At(i).Type(), mt.d.pkg.Types))
		results[i] = jen.Id(name)
	}
	g.Id(c.err).Op(":=").Add(c.policy().Dot("Do").Call(c.ctx(), c.pcRef(), mt.attempt(c, results)))
	return results
}
