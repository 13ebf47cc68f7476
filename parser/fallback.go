package parser

import (
	"go/types"
	"strings"
)

// checkFallback checks that ref names a func taking the method's
// parameters (a variadic one as a slice) and err error, and returning the
// method's results. A generic fallback of a generic interface is
// instantiated with the interface's type parameters, in order.
func (r *reader) checkFallback(d *ifaceDecl, iface *Interface, m *Method, ref identRef) *types.Func {
	fn := ref.Obj.(*types.Func)
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil {
		r.diags.add(ref.Pos, "fallback %s is a method; a fallback must be a package-level func", ref)
		return nil
	}
	qual := types.RelativeTo(d.pkg.Types)
	if fn.Pkg() != d.pkg.Types && !fn.Exported() {
		r.diags.add(ref.Pos, "fallback %s is unexported in package %s", ref, fn.Pkg().Path())
		return nil
	}
	if tps := sig.TypeParams(); tps.Len() > 0 {
		ifaceTPs := iface.TypeParams()
		if ifaceTPs.Len() != tps.Len() {
			r.diags.add(ref.Pos, "fallback %s has %d type parameters; a generic fallback must have the %d of %s, in order", ref, tps.Len(), ifaceTPs.Len(), iface.Name)
			return nil
		}
		args := make([]types.Type, ifaceTPs.Len())
		for i := range args {
			args[i] = ifaceTPs.At(i)
		}
		inst, err := types.Instantiate(types.NewContext(), sig, args, true)
		if err != nil {
			r.diags.add(ref.Pos, "fallback %s cannot be instantiated with the type parameters of %s: %v", ref, iface.Name, err)
			return nil
		}
		sig = inst.(*types.Signature)
	}
	want := fallbackSignature(m.Sig)
	if !sameShape(sig, want) {
		r.diags.add(ref.Pos, "fallback %s has signature %s; want %s",
			ref, signatureString(sig, qual), signatureString(want, qual))
		return nil
	}
	return fn
}

// fallbackSignature is the signature a fallback of a method with sig
// must have.
func fallbackSignature(sig *types.Signature) *types.Signature {
	var params []*types.Var
	for i := 0; i < sig.Params().Len(); i++ {
		params = append(params, sig.Params().At(i))
	}
	params = append(params, types.NewParam(0, nil, "err", errorType))
	return types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), sig.Results(), false)
}

func sameShape(have, want *types.Signature) bool {
	if have.Variadic() || have.Params().Len() != want.Params().Len() || have.Results().Len() != want.Results().Len() {
		return false
	}
	for i := 0; i < want.Params().Len(); i++ {
		if !types.Identical(have.Params().At(i).Type(), want.Params().At(i).Type()) {
			return false
		}
	}
	for i := 0; i < want.Results().Len(); i++ {
		if !types.Identical(have.Results().At(i).Type(), want.Results().At(i).Type()) {
			return false
		}
	}
	return true
}

// signatureString prints a signature's types without parameter names.
func signatureString(sig *types.Signature, q types.Qualifier) string {
	list := func(t *types.Tuple) string {
		parts := make([]string, t.Len())
		for i := range parts {
			parts[i] = types.TypeString(t.At(i).Type(), q)
		}
		return strings.Join(parts, ", ")
	}
	s := "func(" + list(sig.Params()) + ")"
	switch n := sig.Results().Len(); {
	case n == 1:
		s += " " + list(sig.Results())
	case n > 1:
		s += " (" + list(sig.Results()) + ")"
	}
	return s
}
