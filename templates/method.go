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
}

func (mt *method) doc() string {
	p := mt.m.Policy
	if p == nil {
		return fmt.Sprintf("%s calls the wrapped %s directly.", mt.m.Name, mt.m.Name)
	}
	s := fmt.Sprintf("%s calls the wrapped %s under policy %s", mt.m.Name, mt.m.Name, p.Name)
	if p.Fallback != nil {
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
//	var r0 T
//	err := d.policy.Do(ctx, func(ctx context.Context) error {
//		var err error
//		r0, err = d.next.M(ctx, ...)
//		return err
//	})
//	if err != nil && d.policy.ShouldFallback(ctx, err) {
//		return fallback(ctx, ..., err)
//	}
//	return r0, err
//
// The closure does not escape Do, so it and the results live on the stack.
// A method with an idempotency key runs the same Do inside
// baldur.Idempotent (see idempotent).
func (mt *method) protected(g *jen.Group) {
	p := mt.m.Policy
	c := mt.newShape()
	mt.clientsPrologue(g, &c) // clients: a request's context, httpbaldur.Call
	var ret []jen.Code
	if p.Key != nil {
		ret = mt.idempotent(g, c)
	} else {
		ret = mt.plain(g, c)
		if ret == nil {
			return
		}
	}
	if p.Fallback != nil {
		fbArgs := make([]jen.Code, 0, len(mt.params)+1)
		for _, name := range mt.params {
			fbArgs = append(fbArgs, jen.Id(name)) // a variadic argument goes as its slice
		}
		fbArgs = append(fbArgs, jen.Id(c.err))
		fb := jen.Qual(p.Fallback.Pkg().Path(), p.Fallback.Name())
		if p.Fallback.Type().(*types.Signature).TypeParams().Len() > 0 {
			fb.Types(mt.d.targs...)
		}
		g.If(jen.Id(c.err).Op("!=").Nil().Op("&&").Add(c.policy().Dot("ShouldFallback").Call(c.ctxArg, jen.Nil(), jen.Id(c.err)))).
			Block(mt.clientsBeforeFallback(ret), jen.Return(fb.Call(fbArgs...))) // clients: drop the last response
	}
	if mt.http != nil { // clients: httpbaldur.Call decides what the caller gets
		mt.httpReturn(g, c, ret)
		return
	}
	g.Return(append(ret, jen.Id(c.err))...)
}

// shape holds what every protected body uses.
type shape struct {
	recv, field  string
	err          string
	ctxArg       jen.Code // the context handed to the runtime
	closureParam jen.Code // the attempt closure's parameter
	nres         int      // results without the error
}

func (c shape) policy() *jen.Statement { return jen.Id(c.recv).Dot(c.field) }

func (mt *method) newShape() shape {
	c := shape{recv: mt.recv, field: mt.d.fields[mt.m.Name], nres: mt.m.Sig.Results().Len() - 1}
	c.err = mt.local.first("err", "callErr")
	c.ctxArg, c.closureParam = jen.Qual("context", "Background").Call(), jen.Qual("context", "Context")
	if i := mt.m.Policy.Ctx; i >= 0 {
		c.ctxArg = jen.Id(mt.params[i])
		// The closure's parameter shadows the method's context on purpose:
		// the inner call must see the attempt's context.
		c.closureParam = jen.Id(mt.params[i]).Qual("context", "Context")
	}
	if mt.keepsCallerContext() { // clients: a result that outlives the call
		c.closureParam = jen.Qual("context", "Context")
	}
	return c
}

// attempt is the closure handed to Do: it calls the wrapped method and
// stores its results through assign.
func (mt *method) attempt(c shape, assign []jen.Code) jen.Code {
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
		b.Return(jen.Id(c.err))
	})
}

// plain renders the body of a method without an idempotency key and
// returns its results, or nil when it already returned.
func (mt *method) plain(g *jen.Group, c shape) []jen.Code {
	sig := mt.m.Sig
	results := make([]jen.Code, c.nres)
	for i := range results {
		n := strconv.Itoa(i)
		name := mt.local.first("r"+n, "res"+n, "result"+n)
		g.Var().Id(name).Add(typeExpr(sig.Results().At(i).Type(), mt.d.pkg.Types))
		results[i] = jen.Id(name)
	}
	do := c.policy().Dot("Do").Call(c.ctxArg, jen.Nil(), mt.attempt(c, results))
	if mt.m.Policy.Fallback == nil && c.nres == 0 && mt.http == nil { // clients: Result closes the request's body
		g.Return(do)
		return nil
	}
	g.Id(c.err).Op(":=").Add(do)
	return results
}
