package parser

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"
	"time"
)

// KeyKind says how a key value becomes text.
type KeyKind int

const (
	KeyString   KeyKind = iota // a string kind: used as is
	KeyInt                     // a signed integer kind: decimal
	KeyUint                    // an unsigned integer kind: decimal
	KeyStringer                // fmt.Stringer: String()
	KeyText                    // encoding.TextMarshaler: MarshalText()
)

// Key is a resolved idempotency_key.
type Key struct {
	// Param is the index of the parameter the path starts from; Path are
	// the selectors after it, the last one a method when Call.
	Param int
	Path  []string
	Call  bool
	// Types[i] is the type of the value after i selectors; a pointer or an
	// interface among them (but the last) is checked for nil before the
	// next selector, and a nil one means the key is missing.
	Types []types.Type
	Kind  KeyKind
	// Deref: the final value is a pointer to a string or an integer.
	Deref bool
	TTL   time.Duration
	// Args are the indexes of the parameters fingerprinted to detect a key
	// reused with other arguments: all but the context, and but the key's
	// parameter when the key is that whole parameter.
	Args []int
}

var (
	stringerIface = methodIface("String", nil, types.Typ[types.String])
	textIface     = methodIface("MarshalText", nil, types.NewSlice(types.Typ[types.Byte]), errorType)
)

func methodIface(name string, params []types.Type, results ...types.Type) *types.Interface {
	tuple := func(ts []types.Type) *types.Tuple {
		vars := make([]*types.Var, len(ts))
		for i, t := range ts {
			vars[i] = types.NewParam(token.NoPos, nil, "", t)
		}
		return types.NewTuple(vars...)
	}
	sig := types.NewSignatureType(nil, nil, nil, tuple(params), tuple(results), false)
	return types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, name, sig)}, nil).Complete()
}

// checkKey resolves an idempotency_key against the method's parameters.
func (r *reader) checkKey(d *ifaceDecl, m *Method, p *Policy, kv *typedValue[keyPath], fp *fingerprint) *Key {
	kp := kv.V
	at := func(i int) token.Position { return elemPos(kp.Pos, kp.Elems, i) }
	params := m.Sig.Params()
	k := &Key{Path: kp.Elems[1:], Call: kp.Call}
	var names []string
	k.Param, names = paramNamed(m.Sig, kp.Elems[0])
	if k.Param < 0 {
		r.diags.add(at(0), "idempotency_key %s: %s has no parameter %s; its parameters are %s%s", kp.Text, m.Name, kp.Elems[0], strings.Join(names, ", "), didYouMean(kp.Elems[0], names))
		return nil
	}
	if k.Param == p.Ctx {
		r.diags.add(at(0), "idempotency_key %s: the context is not a key; name the parameter that identifies the operation", kp.Text)
		return nil
	}
	t := params.At(k.Param).Type()
	k.Types = []types.Type{t}
	for i, name := range k.Path {
		method := k.Call && i == len(k.Path)-1
		obj, _, _ := types.LookupFieldOrMethod(t, true, d.pkg.Types, name)
		var next types.Type
		switch obj := obj.(type) {
		case *types.Var:
			if method {
				r.diags.add(at(i+1), "idempotency_key %s: %s is a field of %s, not a method", kp.Text, name, typeString(t))
				return nil
			}
			next = obj.Type()
		case *types.Func:
			sig := obj.Type().(*types.Signature)
			if !method {
				r.diags.add(at(i+1), "idempotency_key %s: %s is a method of %s; call it: %s()", kp.Text, name, typeString(t), name)
				return nil
			}
			if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
				r.diags.add(at(i+1), "idempotency_key %s: method %s must take no arguments and return one value", kp.Text, name)
				return nil
			}
			next = sig.Results().At(0).Type()
		default:
			r.diags.add(at(i+1), "idempotency_key %s: %s has no field or method %s%s", kp.Text, typeString(t), name, didYouMean(name, selectors(t)))
			return nil
		}
		if !obj.Exported() && obj.Pkg() != d.pkg.Types {
			r.diags.add(at(i+1), "idempotency_key %s: %s of %s is unexported in package %s", kp.Text, name, typeString(t), obj.Pkg().Path())
			return nil
		}
		t = next
		k.Types = append(k.Types, t)
	}
	kind, deref, ok := keyKind(t)
	if !ok {
		r.diags.add(kp.Pos, "idempotency_key %s has type %s; a key must be a string, an integer, a fmt.Stringer or an encoding.TextMarshaler", kp.Text, typeString(t))
		return nil
	}
	k.Kind, k.Deref = kind, deref
	ok = true
	for i := 0; i < params.Len(); i++ {
		if !fp.counts(i, i != p.Ctx && (i != k.Param || len(k.Path) > 0)) { // clients: fingerprint= and call options
			continue
		}
		if why := codecProblem(params.At(i).Type(), false, d.pkg.Types); why != "" {
			r.diags.add(kv.Pos, "idempotency_key on %s: %s", m.Name, codecMessage("argument "+paramName(params, i), why, "idempotency cannot fingerprint it to detect a reused key"))
			ok = false
		}
		k.Args = append(k.Args, i)
	}
	res := m.Sig.Results()
	for i := 0; i < res.Len()-1; i++ {
		if why := codecProblem(res.At(i).Type(), true, d.pkg.Types); why != "" {
			r.diags.add(kv.Pos, "idempotency_key on %s: %s", m.Name, codecMessage(fmt.Sprintf("result %d (%s)", i, relativeString(res.At(i).Type(), d.pkg.Types)), why, "idempotency cannot store it for duplicates"))
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return k
}

// keyKind classifies a key's type; a pointer to a string or an integer is
// dereferenced, a nil one being a missing key.
func keyKind(t types.Type) (kind KeyKind, deref, ok bool) {
	if b, isBasic := t.Underlying().(*types.Basic); isBasic {
		switch info := b.Info(); {
		case info&types.IsString != 0:
			return KeyString, false, true
		case info&types.IsInteger != 0 && info&types.IsUnsigned != 0:
			return KeyUint, false, true
		case info&types.IsInteger != 0:
			return KeyInt, false, true
		}
	}
	// MarshalText is a canonical encoding by contract; String is for
	// people, so it comes second.
	switch {
	case types.Implements(t, textIface):
		return KeyText, false, true
	case types.Implements(t, stringerIface):
		return KeyStringer, false, true
	}
	if ptr, isPtr := t.Underlying().(*types.Pointer); isPtr {
		if kind, deref, ok := keyKind(ptr.Elem()); ok && !deref && kind <= KeyUint {
			return kind, true, true
		}
	}
	return 0, false, false
}

// selectors lists the fields and methods of t, for suggestions.
func selectors(t types.Type) []string {
	var out []string
	ms := types.NewMethodSet(t)
	for i := 0; i < ms.Len(); i++ {
		out = append(out, ms.At(i).Obj().Name())
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if s, ok := t.Underlying().(*types.Struct); ok {
		for i := 0; i < s.NumFields(); i++ {
			out = append(out, s.Field(i).Name())
		}
	}
	return out
}

func paramName(params *types.Tuple, i int) string {
	if n := params.At(i).Name(); n != "" && n != "_" {
		return n
	}
	return "#" + string(rune('1'+i))
}
