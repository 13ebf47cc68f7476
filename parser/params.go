package parser

import (
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
