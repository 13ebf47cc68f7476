package parser

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/token"
	"go/types"
	"maps"
	"strconv"
	"unicode"

	"golang.org/x/tools/go/packages"
)

// DeadLetter is what a method annotated with dlq needs generated: the
// codec type of its arguments, and the signature that tells a letter
// written from other types apart.
type DeadLetter struct {
	// ArgsType is the package-level type holding every argument but the
	// context; one per method, named so that it clashes with nothing.
	ArgsType string
	// Params are the indexes of the parameters it holds, in order, and
	// Keys their names in the encoding.
	Params []int
	Keys   []string
	// Signature hashes the encoded parameters' names and types.
	Signature string
}

// checkDeadLetter refuses dlq on a method whose arguments the codec
// cannot carry faithfully (encoding/json would drop or could not read
// back part of them: a replay would run with other values), and computes
// the signature of the rest. at is the dlq key.
func (r *reader) checkDeadLetter(d *ifaceDecl, m *Method, p *Policy, at token.Position) *DeadLetter {
	params := m.Sig.Params()
	dl := &DeadLetter{}
	h := sha256.New()
	ok := true
	for i := 0; i < params.Len(); i++ {
		if i == p.Ctx || i == callOptions(m.Sig) { // clients: call options say how to call, a replay uses its own
			continue
		}
		if why := codecProblem(params.At(i).Type(), true, d.pkg.Types); why != "" {
			r.diags.add(at, "dlq on %s: %s", m.Name, codecMessage("argument "+paramName(params, i), why, "a dead letter could not replay it"))
			ok = false
		}
		key := codecKey(params, i)
		dl.Params, dl.Keys = append(dl.Params, i), append(dl.Keys, key)
		// The encoding's key and the full type: a renamed parameter, or
		// one of another type, parks the letters written before.
		fmt.Fprintf(h, "%s %s\n", key, types.TypeString(params.At(i).Type(), nil))
	}
	if !ok {
		return nil
	}
	dl.Signature = "v1:" + hex.EncodeToString(h.Sum(nil))[:16]
	return dl
}

// codecKey is the name parameter i has in an encoding: its own, or argN.
func codecKey(params *types.Tuple, i int) string {
	if n := params.At(i).Name(); n != "" && n != "_" {
		return n
	}
	return "arg" + strconv.Itoa(i)
}

// nameCodecs gives every dlq method of pkg its codec type's name: the
// interface's, the method's and Args (paymentGatewayChargeArgs), made
// unique against the package's own declarations and everything else
// baldurgen declares in it. Declarations of earlier generated files do
// not count: they are being replaced.
func nameCodecs(pkg *Package, own map[string]bool) {
	taken := maps.Clone(own)
	for _, f := range pkg.Files {
		for _, iface := range f.Interfaces {
			taken[iface.TypeName], taken[iface.CtorName] = true, true
		}
	}
	for _, f := range pkg.Files {
		for _, iface := range f.Interfaces {
			for _, m := range iface.Methods {
				if m.Policy == nil || m.Policy.DeadLetter == nil || m.Policy.DeadLetter.ArgsType != "" {
					continue // a method embedded twice keeps its first name
				}
				base := LowerFirst(iface.Name) + m.Name + "Args"
				name := base
				for n := 2; taken[name] || token.IsKeyword(name); n++ {
					name = base + strconv.Itoa(n)
				}
				taken[name] = true
				m.Policy.DeadLetter.ArgsType = name
			}
		}
	}
}

// LowerFirst lowers the leading capitals of a name, keeping the last one
// of a run that starts a word: PaymentGateway → paymentGateway, HTTPClient
// → httpClient, URL → url. The generated code's unexported names are made
// with it.
func LowerFirst(s string) string {
	r := []rune(s)
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	if i > 1 && i < len(r) {
		i--
	}
	for j := 0; j < i; j++ {
		r[j] = unicode.ToLower(r[j])
	}
	return string(r)
}

// ownNames are the package-level names a package declares outside the
// files baldurgen wrote.
func ownNames(p *packages.Package) map[string]bool {
	out := map[string]bool{}
	if p.Types == nil {
		return out
	}
	scope := p.Types.Scope()
	for _, name := range scope.Names() {
		pos := scope.Lookup(name).Pos()
		generated := false
		for _, f := range p.Syntax {
			if f.FileStart <= pos && pos <= f.FileEnd {
				generated = IsGenerated(f)
				break
			}
		}
		if !generated {
			out[name] = true
		}
	}
	return out
}
