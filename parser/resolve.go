package parser

import (
	"go/ast"
	"go/types"
	"slices"
	"strconv"

	"golang.org/x/tools/go/packages"
)

// resolver looks up the identifiers of annotations written in one file.
type resolver struct {
	r       *reader
	pkg     *packages.Package
	file    *ast.File
	iface   string
	methods []string // of the interface being read, for better messages
	// qualifiers, when set, replace the file's imports: a baldurgen.yaml
	// has no imports of its own.
	qualifiers map[string]*types.Package
}

// annotation resolves every reference in a, reporting the ones that do not
// name what their key needs. Unresolved references are left with a nil Obj.
func (res *resolver) annotation(a *annotation) {
	if a.Fallback != nil {
		res.fallback(&a.Fallback.V)
	}
	if a.Classify != nil {
		res.classify(&a.Classify.V)
	}
	for _, list := range []*typedValue[[]identRef]{a.RetryOn, a.AbortOn, a.Ignore} {
		if list == nil {
			continue
		}
		for i := range list.V {
			res.errorValue(&list.V[i])
		}
	}
}

// lookup finds a package-level object named by ref in the annotated file's
// scope: its own package, or a package the file imports.
func (res *resolver) lookup(ref *identRef) (types.Object, string) {
	if ref.Qualifier == "" {
		scope := res.pkg.Types.Scope()
		if obj := scope.Lookup(ref.Name); obj != nil {
			return obj, ""
		}
		if obj := types.Universe.Lookup(ref.Name); obj != nil {
			return nil, ref.Name + " is predeclared, not a package-level declaration"
		}
		return nil, "undefined: " + ref.Name + didYouMean(ref.Name, scope.Names())
	}
	var imported *types.Package
	var names []string
	for name, p := range res.qualifiers {
		names = append(names, name)
		if name == ref.Qualifier {
			imported = p
		}
	}
	for _, spec := range res.fileImports() {
		pn := res.pkg.TypesInfo.PkgNameOf(spec)
		if pn == nil {
			continue
		}
		names = append(names, pn.Name())
		if pn.Name() == ref.Qualifier {
			imported = pn.Imported()
		}
	}
	if imported == nil {
		slices.Sort(names)
		where := "this file"
		if res.file == nil {
			where = "the package or the interface's package"
		}
		return nil, "undefined: " + ref.Qualifier + " is not a package imported by " + where + didYouMean(ref.Qualifier, names)
	}
	obj := imported.Scope().Lookup(ref.Name)
	if obj == nil || !obj.Exported() {
		var exported []string
		for _, n := range imported.Scope().Names() {
			if ast.IsExported(n) {
				exported = append(exported, n)
			}
		}
		return nil, "undefined: " + ref.String() + didYouMean(ref.Name, exported)
	}
	return obj, ""
}

func (res *resolver) fileImports() []*ast.ImportSpec {
	if res.file == nil {
		return nil
	}
	return res.file.Imports
}

var errorType = types.Universe.Lookup("error").Type()

// errorValue resolves a retry_on, abort_on or ignore element: a package
// variable or constant whose type is an error.
func (res *resolver) errorValue(ref *identRef) {
	obj, msg := res.lookup(ref)
	if obj == nil {
		res.r.diags.add(ref.Pos, "%s", msg)
		return
	}
	switch obj.(type) {
	case *types.Var, *types.Const:
		if !types.AssignableTo(obj.Type(), errorType) {
			res.r.diags.add(ref.Pos, "%s has type %s, which is not an error", ref, types.TypeString(obj.Type(), types.RelativeTo(res.pkg.Types)))
			return
		}
	default:
		res.r.diags.add(ref.Pos, "%s is a %s; retry_on, abort_on and ignore take error variables such as ErrTemporary", ref, objectKind(obj))
		return
	}
	ref.Obj = obj
}

// fallback resolves a fallback reference to a package-level func. Its
// signature is checked later, against the method it protects.
func (res *resolver) fallback(ref *identRef) {
	res.function(ref, "fallback", "a fallback must be a package-level func, and one that calls a protected method again would recurse")
}

// classify resolves a classify reference to a package-level func, of
// this package or qualified by an import (grpcbaldur.Classify). Its
// signature is checked against the method it classifies.
func (res *resolver) classify(ref *identRef) {
	res.function(ref, "classify", "classify takes a package-level func")
}

// function resolves the value of key to a package-level func; notMethod
// says why a method of the interface will not do.
func (res *resolver) function(ref *identRef, key, notMethod string) {
	if ref.Qualifier == "" && slices.Contains(res.methods, ref.Name) && res.pkg.Types.Scope().Lookup(ref.Name) == nil {
		res.r.diags.add(ref.Pos, "%s %s names a method of %s; %s", key, ref.Name, res.iface, notMethod)
		return
	}
	obj, msg := res.lookup(ref)
	if obj == nil {
		res.r.diags.add(ref.Pos, "%s: %s", key, msg)
		return
	}
	if _, ok := obj.(*types.Func); !ok {
		res.r.diags.add(ref.Pos, "%s %s is a %s, not a func", key, ref, objectKind(obj))
		return
	}
	ref.Obj = obj
}

func objectKind(obj types.Object) string {
	switch obj.(type) {
	case *types.TypeName:
		return "type"
	case *types.Func:
		return "func"
	case *types.Var:
		return "variable"
	case *types.Const:
		return "constant"
	case *types.PkgName:
		return "package"
	}
	return strconv.Quote(obj.String())
}
