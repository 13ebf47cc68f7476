package parser

import (
	"go/types"
)

// The shapes of real clients' methods, read from a method's signature
// alone, so that the templates can ask the same questions of the model
// (docs/clients.md).

// RequestParam is the index of the method's first *http.Request
// parameter, or -1. Such a method takes its context from the request,
// and each attempt sends a fresh clone of it.
func RequestParam(sig *types.Signature) int {
	for i := 0; i < sig.Params().Len(); i++ {
		if isHTTP(sig.Params().At(i).Type(), "Request") {
			return i
		}
	}
	return -1
}

// ResponseResult is the index of the method's first *http.Response
// result, or -1. Such a result is judged by its status, and its body
// outlives the call.
func ResponseResult(sig *types.Signature) int {
	for i := 0; i < sig.Results().Len(); i++ {
		if isHTTP(sig.Results().At(i).Type(), "Response") {
			return i
		}
	}
	return -1
}

// UsesHTTPCall reports whether the generated method runs its attempts
// through httpbaldur.Call: it takes an *http.Request or answers with an
// *http.Response.
func UsesHTTPCall(sig *types.Signature) bool {
	return RequestParam(sig) >= 0 || ResponseResult(sig) >= 0
}

// isHTTP reports whether t is *net/http.<name>.
func isHTTP(t types.Type, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), "net/http", name)
}

func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// Outlives describes the first result of the method, but an
// *http.Response, that lives on after the call returns and depends on the
// context the call was made with: a stream, *sql.Rows, a channel, a value
// that must be closed. It returns -1 and "" when there is none.
//
// A per-attempt timeout cancels the attempt's context when the attempt
// returns, which would end such a result under its reader, so the
// generated method gives the call the caller's context instead.
func Outlives(sig *types.Signature) (int, string) {
	res := sig.Results()
	for i := 0; i < res.Len(); i++ {
		if what := outlives(res.At(i).Type()); what != "" {
			return i, what
		}
	}
	return -1, ""
}

var (
	recvMsgIface = methodIface("RecvMsg", []types.Type{types.NewInterfaceType(nil, nil)}, errorType)
	sendMsgIface = methodIface("SendMsg", []types.Type{types.NewInterfaceType(nil, nil)}, errorType)
	closerIface  = methodIface("Close", nil, errorType)
	closeIface   = methodIface("Close", nil)
)

// outlives says, as a predicate, why a value of type t outlives the call
// that made it ("is read after the call returns"), or returns "".
func outlives(t types.Type) string {
	if isHTTP(t, "Response") {
		return ""
	}
	has := func(iface *types.Interface) bool { return types.Implements(t, iface) }
	switch {
	case has(recvMsgIface) || has(sendMsgIface):
		return "is a stream, used after the call returns"
	case hasContextMethod(t):
		return "keeps the context it was made with"
	case isSQL(t, "Rows"):
		return "is read after the call returns"
	case isSQL(t, "Tx"):
		return "is rolled back by database/sql when its context ends"
	case isNamed(t, "iter", "Seq") || isNamed(t, "iter", "Seq2"):
		return "is an iterator, run after the call returns"
	}
	if _, ok := t.Underlying().(*types.Chan); ok {
		return "is a channel, fed after the call returns"
	}
	if has(closerIface) || has(closeIface) {
		return "lives until it is closed"
	}
	return ""
}

func isSQL(t types.Type, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), "database/sql", name)
}

// hasContextMethod reports whether t has a method Context() returning a
// context.Context, as gRPC's streams do.
func hasContextMethod(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Context")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Params().Len() == 0 && sig.Results().Len() == 1 && isContext(sig.Results().At(0).Type())
}

// callOptions is the index of the method's trailing variadic of call
// options, or -1: a variadic whose element is a func or an interface with
// methods (...grpc.CallOption, ...func(*Options)). Call options say how to
// make the call, not what it does, so they are left out of an idempotency
// fingerprint. A variadic of any (pgx's args ...any) is the call's data and
// counts.
func callOptions(sig *types.Signature) int {
	n := sig.Params().Len()
	if !sig.Variadic() || n == 0 {
		return -1
	}
	elem := sig.Params().At(n - 1).Type().(*types.Slice).Elem()
	switch u := elem.Underlying().(type) {
	case *types.Signature:
		return n - 1
	case *types.Interface:
		if u.NumMethods() > 0 {
			return n - 1
		}
	}
	return -1
}

// IsProtoMessage reports whether t is a protocol buffers message: it has
// ProtoReflect() protoreflect.Message. Such values are encoded with
// protojson (runtime/protobaldur) rather than encoding/json, which cannot
// read a oneof back.
func IsProtoMessage(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "ProtoReflect")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Params().Len() == 0 && sig.Results().Len() == 1 &&
		isNamed(sig.Results().At(0).Type(), "google.golang.org/protobuf/reflect/protoreflect", "Message")
}

// protoDecodable reports whether a proto message of type t can be read
// back: protobaldur allocates a new message of t's concrete type, which an
// interface type (proto.Message itself) does not name.
func protoDecodable(t types.Type) bool {
	_, isIface := t.Underlying().(*types.Interface)
	return !isIface
}
