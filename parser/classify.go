package parser

import (
	"go/types"
	"strings"
)

// Classify is a resolved classify= function.
type Classify struct {
	Func *types.Func
	// Results: the function reads the method's results before the error,
	// so the decorator calls it inside each attempt (Policy.Judge); the
	// other form goes into Spec.Classify.
	Results bool
}

// runtimePath is the import path of package baldur, whose PolicyContext
// and Decision a classify function takes and returns.
const runtimePath = "github.com/baldur-go/baldur/runtime"

func isRuntimeType(t types.Type, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == runtimePath && n.Obj().Name() == name
}

// checkClassify checks that ref names a func of one of the two forms:
//
//	func(baldur.PolicyContext, error) baldur.Decision
//	func(baldur.PolicyContext, R0, ..., error) baldur.Decision
//
// where R0... are the method's results before its error.
func (r *reader) checkClassify(d *ifaceDecl, m *Method, ref identRef) *Classify {
	fn := ref.Obj.(*types.Func)
	sig := fn.Type().(*types.Signature)
	switch {
	case sig.Recv() != nil:
		r.diags.add(ref.Pos, "classify %s is a method; classify takes a package-level func", ref)
		return nil
	case fn.Pkg() != d.pkg.Types && !fn.Exported():
		r.diags.add(ref.Pos, "classify %s is unexported in package %s", ref, fn.Pkg().Path())
		return nil
	case sig.TypeParams().Len() > 0:
		r.diags.add(ref.Pos, "classify %s is generic; classify takes a func the decorator can call as it is", ref)
		return nil
	}
	from := d.pkg.Types
	q := func(p *types.Package) string {
		if p == from {
			return ""
		}
		return p.Name()
	}
	results := m.Sig.Results()
	n := results.Len() - 1
	var resultTypes []string
	for i := 0; i < n; i++ {
		resultTypes = append(resultTypes, types.TypeString(results.At(i).Type(), q))
	}
	errorOnly := "func(baldur.PolicyContext, error) baldur.Decision"
	want := errorOnly
	if n > 0 {
		want = errorOnly + ", or func(baldur.PolicyContext, " + strings.Join(resultTypes, ", ") + ", error) baldur.Decision to judge the results of " + m.Name + " too"
	}
	params := sig.Params()
	framed := !sig.Variadic() && params.Len() >= 2 && sig.Results().Len() == 1 &&
		isRuntimeType(sig.Results().At(0).Type(), "Decision") && isRuntimeType(params.At(0).Type(), "PolicyContext") &&
		types.Identical(params.At(params.Len()-1).Type(), errorType)
	switch {
	case framed && params.Len() == 2:
		return &Classify{Func: fn}
	case framed && params.Len() == n+2 && n > 0:
		same := true
		for i := 0; i < n; i++ {
			same = same && types.Identical(params.At(i+1).Type(), results.At(i).Type())
		}
		if same {
			return &Classify{Func: fn, Results: true}
		}
	}
	if framed && params.Len() > 2 {
		var read []string
		for i := 1; i < params.Len()-1; i++ {
			read = append(read, types.TypeString(params.At(i).Type(), q))
		}
		returns := "only an error"
		if n > 0 {
			returns = "(" + strings.Join(resultTypes, ", ") + ", error)"
		}
		r.diags.add(ref.Pos, "classify %s reads the results (%s), but %s returns %s; want %s", ref, strings.Join(read, ", "), m.Name, returns, want)
		return nil
	}
	r.diags.add(ref.Pos, "classify %s has signature %s; want %s", ref, signatureString(sig, q), want)
	return nil
}
