package parser

import (
	"go/token"
	"strconv"
	"strings"
	"time"
)

// The checks real clients' shapes add to an annotation (docs/clients.md):
// a timeout on a result that outlives the call, a request's context, the
// verbs a retried request may carry, and what an idempotency fingerprint
// encodes.

// clientTimeout decides a timeout on a method whose shape changes what a
// timeout means, and reports false to leave every other method to the
// usual rules.
//
//   - A result that outlives the call (a stream, *sql.Rows, a channel, a
//     value to close): the attempt's context is cancelled as the attempt
//     returns, which would end the result under its reader. An explicit
//     timeout is refused; an interface's default does not apply, with a
//     warning. The generated method hands the call the caller's context,
//     so a timeout set in baldur.yaml cannot cut the result off either.
//   - An *http.Request parameter: the request carries the context, so a
//     timeout applies as it does with a context.Context parameter. (An
//     *http.Response result keeps its timeout too: it bounds the wait for
//     the response, and the body is read under a context that lives until
//     the body is closed; see httpbaldur.Call.)
func (r *reader) clientTimeout(d *ifaceDecl, iface *Interface, m *Method, p *Policy, t *typedValue[time.Duration]) bool {
	if i, what := Outlives(m.Sig); i >= 0 {
		res := relativeString(m.Sig.Results().At(i).Type(), d.pkg.Types)
		if d.defaults != nil && t == d.defaults.Timeout {
			r.diags.warn(iface.Pos, "the interface's timeout does not apply to %s: its result %s %s, and a per-attempt timeout would end it as the attempt returns; retry and breaker still cover making the call", m.Name, res, what)
			return true
		}
		r.diags.add(t.Pos, "timeout cannot apply to %s: its result %s %s, and a per-attempt timeout cancels the attempt's context as the attempt returns, which would end the result under its reader; bound it with the caller's context instead (retry and breaker still cover making the call)", m.Name, res, what)
		return true
	}
	if p.Ctx < 0 && RequestParam(m.Sig) >= 0 {
		p.Timeout = t.V
		return true
	}
	return false
}

// lintClientRetry warns about a retried method that sends an
// *http.Request without being marked idempotent: its verb is known only
// at run time, so the usual warning is replaced by one that says which
// requests are safe to send twice. It reports false for other methods.
func (r *reader) lintClientRetry(m *Method, p *Policy, at token.Position) bool {
	if RequestParam(m.Sig) < 0 {
		return false
	}
	if !p.Idempotent && p.Key == nil {
		r.diags.warn(at, "%s retries every request it is given, and a request's method is known only at run time: a POST or PATCH that reached the server may run twice; add idempotent when every request sent through it is safe to repeat (GET, HEAD, OPTIONS, TRACE, PUT and DELETE are, by HTTP semantics; a POST is when the server deduplicates it by its Idempotency-Key header)", m.Name)
	}
	// The parameters' own warnings (a channel, a func, a reader) still apply.
	q := *p
	q.Idempotent = true
	r.lintRetry(m, &q, at)
	return true
}

// nameList is a fingerprint= value: parameter names.
type nameList []nameRef

type nameRef struct {
	Name string
	Pos  token.Position
}

// setFingerprint parses fingerprint=a,b.
func (a *annotation) setFingerprint(arg directiveArg) string {
	var names nameList
	items, positions := listItems(arg)
	for i, name := range items {
		if !token.IsIdentifier(name) || name == "_" {
			return "fingerprint " + strconv.Quote(arg.Value) + " is not valid: write the parameters that identify the operation, comma-separated, such as fingerprint=orderID,amount"
		}
		names = append(names, nameRef{name, positions[i]})
	}
	a.Fingerprint = &typedValue[nameList]{names, arg.KeyPos}
	return ""
}

// fingerprint says which arguments an idempotency fingerprint encodes to
// catch a key reused for another operation.
type fingerprint struct {
	named   []bool // by parameter index, when fingerprint= names them
	options int    // the trailing call options, or -1
}

// counts reports whether parameter i is encoded; byDefault is what
// checkKey decides without call options or fingerprint= (all but the
// context and the key's own parameter).
func (f *fingerprint) counts(i int, byDefault bool) bool {
	if f.named != nil {
		return f.named[i]
	}
	return byDefault && i != f.options
}

// fingerprint resolves fingerprint= against the method's parameters:
// every name must be one, not the context, and written once.
func (r *reader) fingerprint(m *Method, p *Policy, a *annotation) *fingerprint {
	fp := &fingerprint{options: callOptions(m.Sig)}
	if a.Fingerprint == nil {
		return fp
	}
	if a.IdempotencyKey == nil {
		r.diags.add(a.Fingerprint.Pos, "fingerprint has no effect without idempotency_key")
		return fp
	}
	params := m.Sig.Params()
	var names []string
	index := map[string]int{}
	for i := 0; i < params.Len(); i++ {
		if n := params.At(i).Name(); n != "" && n != "_" && i != p.Ctx {
			names = append(names, n)
			index[n] = i
		}
	}
	fp.named = make([]bool, params.Len())
	seen := map[string]bool{}
	for _, ref := range a.Fingerprint.V {
		i, ok := index[ref.Name]
		switch {
		case p.Ctx >= 0 && ref.Name == params.At(p.Ctx).Name():
			r.diags.add(ref.Pos, "fingerprint: %s is the context, which is never fingerprinted; name the arguments that identify the operation", ref.Name)
		case !ok:
			r.diags.add(ref.Pos, "fingerprint: %s has no parameter %s; its parameters are %s%s", m.Name, ref.Name, strings.Join(names, ", "), didYouMean(ref.Name, names))
		case seen[ref.Name]:
			r.diags.add(ref.Pos, "fingerprint: %s is named twice", ref.Name)
		default:
			fp.named[i] = true
		}
		seen[ref.Name] = true
	}
	return fp
}
