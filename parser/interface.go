package parser

import (
	"go/token"
	"go/types"
	"strings"
	"unicode"
)

// policyNames keeps a package's generated top-level names from clashing
// with each other, and policy names unique across every package of a run.
type policyNames struct {
	byName    map[string]*policyUse  // shared by every package of the run
	generated map[string]string      // generated name -> interface that makes it
	breakers  map[string]*breakerUse // shared by every package of the run
}

// breakerUse is the method that first named a breaker: a breaker is
// keyed (breaker_key) for all its methods or for none.
type breakerUse struct {
	fn    *types.Func
	keyed bool
}

// policyUse is the method that first took a policy name.
type policyUse struct {
	fn  *types.Func
	pkg *types.Package // the decorating package
}

// generatedNames are the top-level declarations baldurgen writes for an
// interface: the decorator type and its constructor.
func generatedNames(iface string) (typ, constructor string) {
	typ = iface + "Protected"
	return typ, constructorName(typ)
}

// readInterface is the second pass over one annotated interface.
func (r *reader) readInterface(d *ifaceDecl, names *policyNames) *Interface {
	obj, ok := d.pkg.TypesInfo.Defs[d.spec.Name].(*types.TypeName)
	if !ok {
		return nil // the type checker already reported why
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		return nil
	}
	it, ok := named.Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	pos := r.fset.Position(d.spec.Name.Pos())
	if !it.IsMethodSet() {
		r.diags.add(pos, "%s has type terms, so it is a constraint, not an interface a value can implement; baldur decorates method-set interfaces", obj.Name())
		return nil
	}
	typ, ctor := generatedNames(obj.Name())
	return r.buildInterface(d, named, pos, typ, ctor, func(fn *types.Func) methodNote { return r.notes[fn.Pos()] }, names)
}

// buildInterface checks every method of named's method set and attaches
// the policies its notes describe. It returns nil when anything is wrong.
func (r *reader) buildInterface(d *ifaceDecl, named *types.Named, pos token.Position, typ, ctor string, notes func(*types.Func) methodNote, names *policyNames) *Interface {
	it := named.Underlying().(*types.Interface)
	iface := &Interface{Name: named.Obj().Name(), Pos: pos, Named: named, TypeName: typ, CtorName: ctor}
	r.checkGeneratedNames(d, iface, names)

	errorsBefore := r.errorCount()
	for i := 0; i < it.NumMethods(); i++ {
		fn := it.Method(i)
		m := &Method{Name: fn.Name(), ID: methodID(named, fn), Func: fn, Sig: nameParams(fn.Type().(*types.Signature)), Pos: r.fset.Position(fn.Pos())}
		at := m.Pos
		if fn.Pkg() != d.pkg.Types {
			at = pos // a method declared elsewhere: point at the interface
		}
		if !fn.Exported() && fn.Pkg() != d.pkg.Types {
			r.diags.add(at, "%s embeds the unexported method %s of package %s; only that package can implement it", iface.Name, fn.Name(), fn.Pkg().Path())
			continue
		}
		if why := unnameable(m.Sig, d.pkg.Types); why != "" {
			r.diags.add(at, "method %s uses %s, which package %s cannot name; declare the interface in the package that owns the type, or export it", fn.Name(), why, d.pkg.Types.Name())
			continue
		}
		note := notes(fn)
		switch {
		case note.skip:
		case note.ann != nil:
			m.Policy = r.checkMethod(d, iface, m, merge(d.defaults, note.ann), true, names)
		case d.defaults != nil:
			m.Policy = r.checkMethod(d, iface, m, merge(d.defaults, nil), false, names)
		}
		iface.Methods = append(iface.Methods, m)
	}
	if r.errorCount() > errorsBefore {
		return nil
	}
	return iface
}

// checkGeneratedNames reports generated declarations that would clash with
// the package's own, or with another interface's.
func (r *reader) checkGeneratedNames(d *ifaceDecl, iface *Interface, names *policyNames) {
	for _, n := range []string{iface.TypeName, iface.CtorName} {
		if other, ok := names.generated[n]; ok {
			r.diags.add(iface.Pos, "baldurgen would declare %s for both %s and %s; rename one interface", n, other, iface.Name)
			continue
		}
		names.generated[n] = iface.Name
		obj := d.pkg.Types.Scope().Lookup(n)
		if obj == nil || r.inGeneratedFile(d, obj.Pos()) {
			continue
		}
		r.diags.add(iface.Pos, "baldurgen would declare %s for %s, but %s is already declared at %s; rename one of them", n, iface.Name, n, shortPos(r.fset.Position(obj.Pos()), iface.Pos.Filename))
	}
}

func (r *reader) inGeneratedFile(d *ifaceDecl, pos token.Pos) bool {
	for _, f := range d.pkg.Syntax {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return IsGenerated(f)
		}
	}
	return false
}

// checkMethod validates a protected method's merged annotation. explicit
// is false when only the interface's defaults apply; such a method is
// passed through, not rejected, when it cannot be protected.
func (r *reader) checkMethod(d *ifaceDecl, iface *Interface, m *Method, a *annotation, explicit bool, names *policyNames) *Policy {
	res := m.Sig.Results()
	if res.Len() == 0 || !types.Identical(res.At(res.Len()-1).Type(), errorType) {
		if explicit {
			r.diags.add(a.Pos, "%s is protected but does not return error as its last result; baldur sees failures only through that error", m.Name)
		}
		return nil
	}
	p := &Policy{Ctx: -1}
	for i := 0; i < m.Sig.Params().Len(); i++ {
		if isContext(m.Sig.Params().At(i).Type()) {
			p.Ctx = i
			break
		}
	}
	p.Name = defaultPolicyName(d.pkg.Types.Name(), iface.Name, m.Name)
	namePos := a.Pos
	if a.Name != nil {
		p.Name, namePos = a.Name.V, a.Name.Pos
	} else if msg := checkName("name", p.Name); msg != "" {
		r.diags.add(a.Pos, "the default policy name %q of %s.%s is not valid; set one with name=", p.Name, iface.Name, m.Name)
	}
	switch prev, ok := names.byName[p.Name]; {
	case !ok:
		names.byName[p.Name] = &policyUse{fn: m.Func, pkg: d.pkg.Types}
	case prev.fn == m.Func:
		// The same method, decorated twice (embedded in two interfaces).
	case prev.pkg == d.pkg.Types:
		r.diags.add(namePos, "policy name %q is already used by %s in this package; policy names must be unique", p.Name, prev.fn.Name())
	default:
		r.diags.add(namePos, "policy name %q is already used by %s in package %s; policy names must be unique in the module: two methods under one name would share a breaker and idempotency records", p.Name, prev.fn.Name(), prev.pkg.Path())
	}

	if a.Retry != nil {
		p.Retry = a.Retry.V
	}
	if a.Breaker != nil {
		p.Breaker = a.Breaker.V
		if p.Breaker == "" {
			p.Breaker = p.Name
		}
	}
	if a.Timeout != nil && !r.clientTimeout(d, iface, m, p, a.Timeout) { // clients: results that outlive the call, a request's context
		inherited := d.defaults != nil && a.Timeout == d.defaults.Timeout
		switch {
		case p.Ctx >= 0:
			p.Timeout = a.Timeout.V
		case inherited:
			// The interface's default cannot apply here; say so, but the
			// method is still protected by everything else.
			r.diags.warn(iface.Pos, "the interface's timeout does not apply to %s: it has no context.Context parameter to cancel", m.Name)
		default:
			r.diags.add(a.Timeout.Pos, "timeout needs a context.Context parameter to cancel the call, and %s has none", m.Name)
		}
	}
	p.Idempotent = a.Idempotent != nil
	fp := r.fingerprint(m, p, a) // clients: fingerprint= and call options
	if a.IdempotencyKey != nil {
		p.Key = r.checkKey(d, m, p, a.IdempotencyKey, fp)
		if p.Key != nil && a.IdempotencyTTL != nil {
			p.Key.TTL = a.IdempotencyTTL.V
		}
	} else if a.IdempotencyTTL != nil && (d.defaults == nil || a.IdempotencyTTL != d.defaults.IdempotencyTTL) {
		r.diags.add(a.IdempotencyTTL.Pos, "idempotency_ttl has no effect without idempotency_key")
	}
	for _, l := range []struct {
		key string
		v   *typedValue[[]identRef]
	}{{"retry_on", a.RetryOn}, {"abort_on", a.AbortOn}} {
		if l.v != nil && p.Retry == 0 {
			r.diags.add(l.v.Pos, "%s has no effect without retry", l.key)
		}
	}
	p.RetryOn, p.AbortOn, p.Ignore = errorVars(a.RetryOn), errorVars(a.AbortOn), errorVars(a.Ignore)
	for _, l := range []*typedValue[[]identRef]{a.RetryOn, a.AbortOn, a.Ignore} {
		if l == nil {
			continue
		}
		for _, ref := range l.V {
			if ref.Obj != nil && ref.Obj.Pkg() != d.pkg.Types && !ref.Obj.Exported() {
				r.diags.add(ref.Pos, "%s is unexported in package %s, so the decorator of %s cannot name it", ref, ref.Obj.Pkg().Path(), iface.Name)
			}
		}
	}
	if a.Fallback != nil && a.Fallback.V.Obj != nil {
		p.Fallback = r.checkFallback(d, iface, m, a.Fallback.V)
		if p.Fallback != nil {
			r.lintFallback(iface, m, a.Fallback.V)
		}
	}
	if a.Retry != nil && p.Retry != 0 && !r.lintClientRetry(m, p, a.Retry.Pos) { // clients: a request's verb
		r.lintRetry(m, p, a.Retry.Pos)
	}
	r.resolveFields(d, m, p, a)
	if a.Classify != nil && a.Classify.V.Obj != nil {
		p.Classify = r.checkClassify(d, m, a.Classify.V)
	}
	if a.DLQ != nil {
		p.DeadLetter = r.checkDeadLetter(d, m, p, a.DLQ.Pos)
	}
	r.checkBreakerUse(m, p, a, names)
	return p
}

func errorVars(v *typedValue[[]identRef]) []*types.Var {
	if v == nil {
		return nil
	}
	var out []*types.Var
	for _, ref := range v.V {
		switch obj := ref.Obj.(type) {
		case *types.Var:
			out = append(out, obj)
		case *types.Const:
			// A constant error is named the same way as a variable; carry
			// it as a Var so the templates treat both alike.
			out = append(out, types.NewVar(obj.Pos(), obj.Pkg(), obj.Name(), obj.Type()))
		}
	}
	return out
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// defaultPolicyName is the package name, then the kebab-case of the
// interface and of the method: payments.payment-gateway.charge. The package
// keeps the names of two packages' Client.Get apart.
func defaultPolicyName(pkg, iface, method string) string {
	return strings.ToLower(pkg) + "." + kebab(iface) + "." + kebab(method)
}

// methodID names a method for the runtime (Spec.Method): the import path
// and name of the interface that declares it, then its name. Unlike the
// package name, the import path is unique, so two different methods never
// share an ID; a method embedded in several interfaces keeps one.
func methodID(decorated *types.Named, fn *types.Func) string {
	owner := decorated.Obj()
	if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
		if n, ok := types.Unalias(recv.Type()).(*types.Named); ok && n.Obj().Pkg() != nil {
			owner = n.Obj()
		}
	}
	return owner.Pkg().Path() + "." + owner.Name() + "." + fn.Name()
}

func kebab(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, c := range rs {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || unicode.IsUpper(rs[i-1]) && nextLower {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// checkBreakerUse reports a breaker keyed for one method and not for
// another: the runtime keeps either one breaker or one per key under a
// name, never both.
func (r *reader) checkBreakerUse(m *Method, p *Policy, a *annotation, names *policyNames) {
	if p.Breaker == "" || a.BreakerKey != nil && p.BreakerKey == "" {
		return // none, or a key already reported
	}
	keyed := p.BreakerKey != ""
	prev, ok := names.breakers[p.Breaker]
	switch {
	case !ok:
		names.breakers[p.Breaker] = &breakerUse{fn: m.Func, keyed: keyed}
	case prev.keyed != keyed && prev.fn != m.Func:
		at := a.Pos
		if a.BreakerKey != nil {
			at = a.BreakerKey.Pos
		} else if a.Breaker != nil {
			at = a.Breaker.Pos
		}
		k, other := "keyed", "not"
		if !keyed {
			k, other = "not keyed", "keyed"
		}
		r.diags.add(at, "breaker %s is %s for %s but %s for %s; a breaker is keyed for every method or for none: give one of them its own breaker name", p.Breaker, k, m.Name, other, prev.fn.Name())
	}
}
