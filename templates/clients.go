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
	ctx     string // the call's context: the method's own, or the local Begin made
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

// clientsBaseContext is the context a method without a context.Context
// parameter starts from: its request's, or context.Background().
func (mt *method) clientsBaseContext() jen.Code {
	if i := parser.RequestParam(mt.m.Sig); i >= 0 {
		return jen.Id(mt.params[i]).Dot("Context").Call()
	}
	return jen.Qual("context", "Background").Call()
}

// clientsPrologue follows the call's start (callContext) in a protected
// method of a client shape: a comment where the call keeps the caller's
// context, and the httpbaldur.Call its attempts run through.
func (mt *method) clientsPrologue(g *jen.Group, c *shape) {
	sig := mt.m.Sig
	if i, _ := parser.Outlives(sig); i >= 0 {
		g.Comment("The result outlives the call: the call gets the caller's context,")
		g.Comment("not the attempt's, which ends when the attempt returns.")
	}
	if !parser.UsesHTTPCall(sig) {
		return
	}
	h := &httpCall{ctx: c.ctxName, req: parser.RequestParam(sig), resp: parser.ResponseResult(sig)}
	if !mt.keepsCallerContext() {
		// The attempt's context replaces the caller's in the closure.
		c.closureParam = jen.Id(h.ctx).Qual("context", "Context")
	}
	h.call = mt.local.first("call", "httpCall")
	req := jen.Nil()
	if h.req >= 0 {
		req = jen.Id(mt.params[h.req])
		h.attempt = mt.local.first("attempt", "attemptReq")
	}
	g.Id(h.call).Op(":=").Qual(httpbaldurPath, "NewCall").Call(c.ctx(), req)
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
	if p := mt.m.Policy; p.Classify != nil && p.Classify.Results {
		// The classifier sees what Response made of the attempt: a
		// transient status as its *StatusError.
		args := append([]jen.Code{c.pcValue()}, assign...)
		decision := jen.Qual(p.Classify.Func.Pkg().Path(), p.Classify.Func.Name()).Call(append(args, jen.Id(c.err))...)
		b.Return(c.policy().Dot("Judge").Call(decision, jen.Id(c.err)))
		return
	}
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

// clientsResult renders, before the method's End, what an httpbaldur.Call
// makes of the final error (a failed last response returned as it is):
//
//	r0, err = call.Result(r0, err)
//
// and returns what End reports; final is the error the method would end
// with. Other methods end as they would.
func (mt *method) clientsResult(g *jen.Group, c shape, ret []jen.Code, final *jen.Statement) *jen.Statement {
	h := mt.http
	if h == nil {
		return final
	}
	lhs, arg := jen.Code(jen.Id("_")), jen.Code(jen.Nil())
	if h.resp >= 0 {
		lhs, arg = ret[h.resp], ret[h.resp]
	}
	g.List(lhs, jen.Id(c.err)).Op("=").Id(h.call).Dot("Result").Call(arg, final)
	return jen.Id(c.err)
}

// clientCodecType is the type of an idempotency args or results field holding a
// value of type t: a proto message travels as a protobaldur.Message.
func clientCodecType(t types.Type, from *types.Package) jen.Code {
	if parser.IsProtoMessage(t) {
		return jen.Qual(protobaldurPath, "Message").Types(typeExpr(t, from))
	}
	return typeExpr(t, from)
}

// clientCodecValue is the field value for v, of type t.
func clientCodecValue(t types.Type, v jen.Code, from *types.Package) jen.Code {
	if parser.IsProtoMessage(t) {
		return jen.Qual(protobaldurPath, "Message").Types(typeExpr(t, from)).Values(jen.Dict{jen.Id("Msg"): v})
	}
	return v
}

// clientCodecField is the value held in a field of type clientCodecType(t).
func clientCodecField(t types.Type, field *jen.Statement) *jen.Statement {
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
