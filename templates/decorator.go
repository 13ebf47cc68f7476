package templates

import (
	"fmt"
	"go/types"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// decorator renders the type, constructor and methods for one interface.
type decorator struct {
	pkg       *parser.Package
	iface     *parser.Interface
	typ, ctor string
	taken     *names // file-level identifiers the decorator must not shadow

	next   string            // field holding the wrapped value
	fields map[string]string // policy field by method name
	// protectedPaths and replays name the unexported methods of a dlq
	// method: its protected path, and its replay handler.
	protectedPaths, replays map[string]string
	tparams                 []jen.Code // [T any, ...] or nil
	targs                   []jen.Code // [T, ...] or nil
}

func newDecorator(pkg *parser.Package, iface *parser.Interface, taken *names) *decorator {
	d := &decorator{pkg: pkg, iface: iface, taken: taken, fields: map[string]string{}, protectedPaths: map[string]string{}, replays: map[string]string{}}
	d.typ, d.ctor = iface.TypeName, iface.CtorName
	tps := iface.TypeParams()
	if tps.Len() > 0 {
		d.tparams, d.targs = typeParams(tps, pkg.Types), typeArgs(tps)
		for i := 0; i < tps.Len(); i++ {
			d.taken.add(tps.At(i).Obj().Name())
		}
	}
	// Fields share the struct's namespace with its methods.
	fieldNames := newNames(nil)
	for _, m := range iface.Methods {
		fieldNames.add(m.Name)
	}
	d.next = fieldNames.fresh("next", 2)
	for _, m := range iface.Methods {
		if m.Policy != nil {
			d.fields[m.Name] = fieldNames.fresh(parser.LowerFirst(m.Name), 2)
		}
	}
	for _, m := range iface.Methods {
		if m.Policy != nil && m.Policy.DeadLetter != nil {
			d.protectedPaths[m.Name] = fieldNames.fresh(parser.LowerFirst(m.Name)+"Protected", 2)
			d.replays[m.Name] = fieldNames.fresh("replay"+m.Name, 2)
		}
	}
	return d
}

// self is the decorator type as written in receivers and results.
func (d *decorator) self() *jen.Statement {
	return jen.Id(d.typ).Types(d.targs...)
}

// ifaceType is the decorated interface, qualified when it belongs to
// another package.
func (d *decorator) ifaceType() *jen.Statement {
	return qualified(d.iface.Named.Obj()).Types(d.targs...)
}

func (d *decorator) emit(f *jen.File) {
	comment(f, fmt.Sprintf("%s implements %s: its //baldur:protected methods run under their policies, the others call the wrapped value directly.", d.typ, d.iface.Name))
	fields := []jen.Code{jen.Id(d.next).Add(d.ifaceType())}
	for _, m := range d.iface.Methods {
		if m.Policy != nil {
			fields = append(fields, jen.Id(d.fields[m.Name]).Op("*").Qual(runtimePath, "Policy"))
		}
	}
	f.Type().Id(d.typ).Types(d.tparams...).Struct(fields...)
	f.Line()
	d.constructor(f)
	f.Line()
	d.guard(f)
	for _, m := range d.iface.Methods {
		f.Line()
		newMethod(d, m).emit(f)
	}
}

func (d *decorator) constructor(f *jen.File) {
	local := newNames(d.taken)
	next, rt := local.fresh("next", 2), local.fresh("rt", 2)
	dec := local.first("d", "dec", "decorator")
	comment(f, fmt.Sprintf("%s wraps %s. Each protected method's policy is resolved from %s once, here, never per call.", d.ctor, next, rt))
	f.Func().Id(d.ctor).Types(d.tparams...).
		Params(jen.Id(next).Add(d.ifaceType()), jen.Id(rt).Op("*").Qual(runtimePath, "Runtime")).
		Op("*").Add(d.self()).
		BlockFunc(func(g *jen.Group) {
			// The decorator exists before its policies: a dead-letter
			// policy registers a replay handler, a method of it.
			g.Id(dec).Op(":=").Op("&").Add(d.self()).Values(jen.Dict{jen.Id(d.next): jen.Id(next)})
			for _, m := range d.iface.Methods {
				if m.Policy != nil {
					g.Id(dec).Dot(d.fields[m.Name]).Op("=").Id(rt).Dot("Policy").Call(d.spec(m, dec))
				}
			}
			g.Return(jen.Id(dec))
		})
}

// spec renders the baldur.Spec literal of a protected method. Only typed,
// checked values reach it: strings as quoted literals, identifiers as
// resolved objects.
func (d *decorator) spec(m *parser.Method, dec string) jen.Code {
	p := m.Policy
	fields := []jen.Code{
		jen.Id("Name").Op(":").Lit(p.Name),
		jen.Id("Method").Op(":").Lit(m.ID),
	}
	switch {
	case p.Retry == parser.RetryDefault:
		fields = append(fields, jen.Id("Retry").Op(":").True())
	case p.Retry > 0:
		fields = append(fields, jen.Id("Retry").Op(":").True(), jen.Id("Attempts").Op(":").Lit(p.Retry))
	}
	if p.Breaker != "" {
		fields = append(fields, jen.Id("Breaker").Op(":").Lit(p.Breaker))
	}
	if p.Timeout > 0 {
		fields = append(fields, jen.Id("Timeout").Op(":").Add(durationExpr(p.Timeout)))
	}
	for _, l := range []struct {
		name string
		vars []*types.Var
	}{{"RetryOn", p.RetryOn}, {"AbortOn", p.AbortOn}, {"Ignore", p.Ignore}} {
		if len(l.vars) == 0 {
			continue
		}
		vals := make([]jen.Code, len(l.vars))
		for i, v := range l.vars {
			vals[i] = jen.Qual(v.Pkg().Path(), v.Name())
		}
		fields = append(fields, jen.Id(l.name).Op(":").Index().Error().Values(vals...))
	}
	if k := p.Key; k != nil {
		fields = append(fields, jen.Id("Dedupe").Op(":").True())
		if k.TTL > 0 {
			fields = append(fields, jen.Id("DedupeTTL").Op(":").Add(durationExpr(k.TTL)))
		}
	}
	if len(p.Fields) > 0 {
		names := make([]jen.Code, len(p.Fields))
		for i, f := range p.Fields {
			names[i] = jen.Lit(f.Name)
		}
		fields = append(fields, jen.Id("Fields").Op(":").Index().String().Values(names...))
	}
	if c := p.Classify; c != nil {
		fn := jen.Qual(c.Func.Pkg().Path(), c.Func.Name())
		if c.Results {
			fields = append(fields, jen.Id("JudgesResults").Op(":").True())
		} else {
			fields = append(fields, jen.Id("Classify").Op(":").Add(fn))
		}
	}
	if p.BreakerKey != "" {
		fields = append(fields, jen.Id("BreakerKey").Op(":").Lit(p.BreakerKey))
	}
	if dl := p.DeadLetter; dl != nil {
		fields = append(fields, jen.Id("DeadLetter").Op(":").Op("&").Qual(runtimePath, "DeadLetterSpec").Values(
			jen.Id("Signature").Op(":").Lit(dl.Signature),
			jen.Id("Replay").Op(":").Id(dec).Dot(d.replays[m.Name]),
		))
	}
	return jen.Qual(runtimePath, "Spec").Values(jen.Line().Add(joinLines(fields)...))
}

func joinLines(fields []jen.Code) []jen.Code {
	out := make([]jen.Code, 0, 2*len(fields))
	for _, f := range fields {
		out = append(out, f, jen.Op(",").Line())
	}
	return out
}

// guard makes a stale decorator stop compiling when the interface changes.
func (d *decorator) guard(f *jen.File) {
	check := jen.Var().Id("_").Add(d.ifaceType()).Op("=").Parens(jen.Op("*").Add(d.self())).Parens(jen.Nil())
	if d.tparams == nil {
		f.Add(check)
		return
	}
	f.Func().Id("_").Types(d.tparams...).Params().Block(check)
}

// durationExpr writes d in the largest unit that divides it: 2 * time.Second.
func durationExpr(d time.Duration) jen.Code {
	ns := d.Nanoseconds()
	units := []struct {
		name string
		ns   int64
	}{{"Hour", 3600e9}, {"Minute", 60e9}, {"Second", 1e9}, {"Millisecond", 1e6}, {"Microsecond", 1e3}, {"Nanosecond", 1}}
	for _, u := range units {
		if ns%u.ns == 0 {
			if ns == u.ns {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(ns/u.ns)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Lit(int(ns))
}
