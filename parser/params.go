package parser

import (
	"go/token"
	"go/types"
	"strconv"
)

// nameParams gives the unnamed parameters of sig that have a name every Go
// programmer writes for them (ctx for a context.Context, req for an
// *http.Request) that name, so an annotation can refer to them:
// http.RoundTripper's RoundTrip(*http.Request) takes breaker_key=req.URL.Host.
// Other unnamed parameters stay unnamed: they are no one's field.
func nameParams(sig *types.Signature) *types.Signature {
	params := sig.Params()
	taken := map[string]bool{}
	unnamed := false
	for i := 0; i < params.Len(); i++ {
		if n := params.At(i).Name(); n != "" && n != "_" {
			taken[n] = true
		} else {
			unnamed = true
		}
	}
	if !unnamed {
		return sig
	}
	vars := make([]*types.Var, params.Len())
	renamed := false
	for i := range vars {
		v := params.At(i)
		vars[i] = v
		if n := v.Name(); n != "" && n != "_" {
			continue
		}
		base := ""
		switch {
		case isContext(v.Type()):
			base = "ctx"
		case isHTTP(v.Type(), "Request"):
			base = "req"
		default:
			continue
		}
		name := base
		for k := 2; taken[name]; k++ {
			name = base + strconv.Itoa(k)
		}
		taken[name] = true
		vars[i] = types.NewParam(v.Pos(), v.Pkg(), name, v.Type())
		renamed = true
	}
	if !renamed {
		return sig
	}
	return types.NewSignatureType(sig.Recv(), nil, nil, types.NewTuple(vars...), sig.Results(), sig.Variadic())
}

// paramNamed is the index of sig's parameter called name, or -1, and the
// names of its named parameters, for the message when there is none.
func paramNamed(sig *types.Signature, name string) (int, []string) {
	params := sig.Params()
	at := -1
	var names []string
	for i := 0; i < params.Len(); i++ {
		if n := params.At(i).Name(); n != "" && n != "_" {
			names = append(names, n)
			if n == name {
				at = i
			}
		}
	}
	return at, names
}

// elemPos is the position of element i of a dotted path written at start.
func elemPos(start token.Position, elems []string, i int) token.Position {
	for _, e := range elems[:i] {
		start.Column += len(e) + 1
		start.Offset += len(e) + 1
	}
	return start
}
