package templates

import (
	"go/types"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// What real clients' shapes change in a protected method (docs/clients.md).
// method.go, idempotency.go and imports.go call these at lines marked
// "clients".

const (
	httpbaldurPath  = "github.com/baldur-go/baldur/runtime/httpbaldur"
	protobaldurPath = "github.com/baldur-go/baldur/runtime/protobaldur"
)

// httpCall is the state of a method whose attempts run through
// httpbaldur.Call: it takes an *http.Request or answers with an
// *http.Response.
type httpCall struct {
	call    string // the httpbaldur.Call local
	ctx     string // the context local or parameter the attempts start from
	req     int    // the request parameter, or -1
	resp    int    // the response result, or -1
	attempt string // the local holding one attempt's request
}

// keepsCallerContext: the method's result outlives the call, so the call
// is made with the caller's context, never the attempt's, which a timeout
// (one set in baldur.yaml: the generator refuses one in the annotation)
// cancels as the attempt returns.
func (mt *method) keepsCallerContext() bool {
	i, _ := parser.Outlives(mt.m.Sig)
	return i >= 0
}

// clientsPrologue opens the body of a protected method of a client shape:
// a request's context, the httpbaldur.Call, and a comment where the call
// keeps the caller's context. It sets what the rest of the body uses.
func (mt *method) clientsPrologue(g *jen.Group, c *shape) {
	sig := mt.m.Sig
	if i, _ := parser.Outlives(sig); i >= 0 {
		g.Comment("The result outlives the call: the call gets the caller's context,")
		g.Comment("not the attempt's, which ends when the attempt returns.")
	}
	if !parser.UsesHTTPCall(sig) {
		return
	}
	h := &httpCall{req: parser.RequestParam(sig), resp: parser.ResponseResult(sig)}
	p := mt.m.Policy
	switch {
	case p.Ctx >= 0:
		h.ctx = mt.params[p.Ctx]
	case h.req >= 0:
		h.ctx = mt.local.first("ctx", "callCtx")
		g.Id(h.ctx).Op(":=").Id(mt.params[h.req]).Dot("Context").Call()
		c.ctxArg = jen.Id(h.ctx)
	}
	if h.ctx != "" && !mt.keepsCallerContext() {
		// The attempt's context replaces the caller's in the closure.
		c.closureParam = jen.Id(h.ctx).Qual("context", "Context")
	}
	h.call = mt.local.first("call", "httpCall")
	req := jen.Nil()
	if h.req >= 0 {
		req = jen.Id(mt.params[h.req])
		h.attempt = mt.local.first("attempt", "attemptReq")
	}
	ctx := c.ctxArg
	if h.ctx != "" {
		ctx = jen.Id(h.ctx)
	}
	g.Id(h.call).Op(":=").Qual(httpbaldurPath, "NewCall").Call(ctx, req)
	mt.http = h
}

// httpAttempt is the attempt closure's body for an httpbaldur.Call:
//
//	attempt, err := call.Request(ctx)
//	if err != nil {
//		return err
//	}
//	r0, err = d.next.RoundTrip(attempt)
//	r0, err = call.Response(r0, err)
//	return err
func (mt *method) httpAttempt(b *jen.Group, c shape, assign []jen.Code) {
	h := mt.http
	args := mt.args()
	if h.req >= 0 {
		b.List(jen.Id(h.attempt), jen.Id(c.err)).Op(":=").Id(h.call).Dot("Request").Call(jen.Id(h.ctx))
		b.If(jen.Id(c.err).Op("!=").Nil()).Block(jen.Return(jen.Id(c.err)))
		args[h.req] = jen.Id(h.attempt)
		if p := mt.m.Policy.Ctx; p >= 0 {
			// The call's context is the request's: one that outlives the
			// attempt until the response's body is closed.
			args[p] = jen.Id(h.attempt).Dot("Context").Call()
		}
	} else {
		if p := mt.m.Policy.Ctx; p >= 0 && !mt.keepsCallerContext() {
			b.Id(h.ctx).Op("=").Id(h.call).Dot("Context").Call(jen.Id(h.ctx))
		}
		b.Var().Id(c.err).Error()
	}
	inner := jen.Id(mt.recv).Dot(mt.d.next).Dot(mt.m.Name).Call(args...)
	resp, respArg := jen.Code(jen.Id("_")), jen.Code(jen.Nil())
	if h.resp >= 0 {
		resp, respArg = assign[h.resp], assign[h.resp]
	}
	if c.nres == 0 {
		b.List(jen.Id("_"), jen.Id(c.err)).Op("=").Id(h.call).Dot("Response").Call(jen.Nil(), inner)
		b.Return(jen.Id(c.err))
		return
	}
	b.List(append(assign, jen.Id(c.err))...).Op("=").Add(inner)
	b.List(resp, jen.Id(c.err)).Op("=").Id(h.call).Dot("Response").Call(respArg, jen.Id(c.err))
	b.Return(jen.Id(c.err))
}

// httpAbandon drops the last response and the request's body before a
// fallback answers.
func (mt *method) httpAbandon(ret []jen.Code) jen.Code {
	resp := jen.Code(jen.Nil())
	if mt.http.resp >= 0 {
		resp = ret[mt.http.resp]
	}
	return jen.Id(mt.http.call).Dot("Abandon").Call(resp)
}

// httpReturn ends the method: call.Result decides what the caller gets.
func (mt *method) httpReturn(g *jen.Group, c shape, ret []jen.Code) {
	h := mt.http
	result := jen.Id(h.call).Dot("Result")
	if h.resp >= 0 && c.nres == 1 {
		g.Return(result.Call(ret[0], jen.Id(c.err)))
		return
	}
	lhs, arg := jen.Code(jen.Id("_")), jen.Code(jen.Nil())
	if h.resp >= 0 {
		lhs, arg = ret[h.resp], ret[h.resp]
	}
	g.List(lhs, jen.Id(c.err)).Op("=").Add(result.Call(arg, jen.Id(c.err)))
	g.Return(append(ret, jen.Id(c.err))...)
}

// codecType is the type of an idempotency args or results field holding a
// value of type t: a proto message travels as a protobaldur.Message.
func codecType(t types.Type, from *types.Package) jen.Code {
	if parser.IsProtoMessage(t) {
		return jen.Qual(protobaldurPath, "Message").Types(typeExpr(t, from))
	}
	return typeExpr(t, from)
}

// codecValue is the field value for v, of type t.
func codecValue(t types.Type, v jen.Code, from *types.Package) jen.Code {
	if parser.IsProtoMessage(t) {
		return jen.Qual(protobaldurPath, "Message").Types(typeExpr(t, from)).Values(jen.Dict{jen.Id("Msg"): v})
	}
	return v
}

// codecField is the value held in a field of type codecType(t).
func codecField(t types.Type, field *jen.Statement) *jen.Statement {
	if parser.IsProtoMessage(t) {
		return field.Dot("Msg")
	}
	return field
}

// clientImports adds the packages the client shapes of m use.
func clientImports(m *parser.Method, used map[string]string) {
	if parser.UsesHTTPCall(m.Sig) {
		used[httpbaldurPath] = "httpbaldur"
	}
	k := m.Policy.Key
	if k == nil {
		return
	}
	for _, i := range k.Args {
		if parser.IsProtoMessage(m.Sig.Params().At(i).Type()) {
			used[protobaldurPath] = "protobaldur"
		}
	}
	for i := 0; i < m.Sig.Results().Len()-1; i++ {
		if parser.IsProtoMessage(m.Sig.Results().At(i).Type()) {
			used[protobaldurPath] = "protobaldur"
		}
	}
}

// clientsBeforeFallback is what runs before a fallback answers: an
// httpbaldur.Call drops the last response and the request's body.
func (mt *method) clientsBeforeFallback(ret []jen.Code) jen.Code {
	if mt.http == nil {
		return jen.Null()
	}
	return mt.httpAbandon(ret)
}
