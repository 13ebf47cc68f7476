package parser

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Policy-plan warnings: the annotation is valid, but the plan it describes
// may not do what its author expects. baldurgen lint reports them.

// readerIface is io.Reader, built here because io may not be loaded.
var readerIface = methodIface("Read", []types.Type{types.NewSlice(types.Typ[types.Byte])}, types.Typ[types.Int], errorType)

func (r *reader) lintRetry(m *Method, p *Policy, at token.Position) {
	if !p.Idempotent && p.Key == nil {
		r.diags.warn(at, "%s retries but is neither marked idempotent nor keyed by idempotency_key: a retried side effect may run twice; add idempotent if repeating it is harmless", m.Name)
	}
	params := m.Sig.Params()
	for i := 0; i < params.Len(); i++ {
		v := params.At(i)
		name := v.Name()
		if name == "" || name == "_" {
			name = "#" + string(rune('1'+i))
		}
		t := v.Type()
		switch u := t.Underlying().(type) {
		case *types.Chan:
			r.diags.warn(at, "%s retries, but parameter %s (%s) is drained by the first attempt: a retry would not see the same values", m.Name, name, typeString(t))
			continue
		case *types.Signature:
			r.diags.warn(at, "%s retries, but parameter %s (%s) is a func: a retry calls it again, with whatever effects it has", m.Name, name, typeString(t))
			continue
		case *types.Interface:
			if u.Empty() {
				continue
			}
		}
		if types.Implements(t, readerIface) || types.Implements(types.NewPointer(t), readerIface) && !isPointer(t) {
			r.diags.warn(at, "%s retries, but parameter %s (%s) is an io.Reader, consumed by the first attempt: a retry would read only what is left", m.Name, name, typeString(t))
		}
	}
}

func isPointer(t types.Type) bool {
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

func typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

// lintFallback warns when the fallback's body calls the method it stands
// in for: when that method is failing, so does the fallback, and through
// the decorator it recurses.
func (r *reader) lintFallback(iface *Interface, m *Method, ref identRef) {
	fn := ref.Obj.(*types.Func)
	decl, info := r.funcDecl(fn)
	if decl == nil || decl.Body == nil {
		return // declared in a package loaded from export data only
	}
	typ, _ := generatedNames(iface.Name)
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if sel.Sel.Name != m.Name {
			return true
		}
		called, resolved := info.Uses[sel.Sel].(*types.Func)
		// The generated files are read without their bodies, so a call
		// through the decorator has a receiver of no known type: the only
		// undefined names a run tolerates are the ones it generates.
		throughDecorator := !resolved && !typed(info, sel.X)
		if throughDecorator || called == m.Func || resolved && receiverNamed(called) == typ {
			r.diags.warn(ref.Pos, "fallback %s calls %s.%s, the method it stands in for: when that method fails the fallback fails too, and through the decorator it recurses", ref, iface.Name, m.Name)
			return false
		}
		return true
	})
}

func typed(info *types.Info, x ast.Expr) bool {
	tv, ok := info.Types[x]
	return ok && tv.Type != nil && tv.Type != types.Typ[types.Invalid]
}

func receiverNamed(fn *types.Func) string {
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return ""
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return ""
}

// funcDecl finds the declaration of fn in the packages read with syntax.
func (r *reader) funcDecl(fn *types.Func) (*ast.FuncDecl, *types.Info) {
	for p := range r.scanned {
		if p.Types != fn.Pkg() {
			continue
		}
		for _, f := range p.Syntax {
			if fn.Pos() < f.FileStart || fn.Pos() > f.FileEnd {
				continue
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Pos() == fn.Pos() {
					return fd, p.TypesInfo
				}
			}
		}
	}
	return nil, nil
}
