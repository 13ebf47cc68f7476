package templates

import (
	"go/types"
	"path"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// runtimePath is the import path of the runtime generated code calls.
const runtimePath = "github.com/baldur-go/baldur/runtime"

// imports decides the local name of every package a generated file uses,
// in sorted path order, so the output never depends on discovery order.
// Names avoid the package's own top-level identifiers (an import in the
// same package may not redeclare them), every type parameter, and each
// other.
func imports(pkg *parser.Package, f *parser.File) map[string]string {
	used := map[string]string{"context": "context", runtimePath: "baldur"}
	walk := func(t types.Type) { collect(t, pkg.Types, used) }
	taken := packageNames(pkg.Types)
	for _, iface := range f.Interfaces {
		taken.add(iface.TypeName)
		taken.add(iface.CtorName)
		walk(iface.Named.Obj().Type())
		tps := iface.TypeParams()
		for i := 0; i < tps.Len(); i++ {
			taken.add(tps.At(i).Obj().Name())
			walk(tps.At(i).Constraint())
		}
		for _, m := range iface.Methods {
			walk(m.Sig)
			if p := m.Policy; p != nil {
				if p.Timeout > 0 || p.Key != nil && p.Key.TTL > 0 {
					used["time"] = "time"
				}
				if p.Key != nil && (p.Key.Kind == parser.KeyInt || p.Key.Kind == parser.KeyUint) {
					used["strconv"] = "strconv"
				}
				if p.Fallback != nil {
					used[p.Fallback.Pkg().Path()] = p.Fallback.Pkg().Name()
				}
				for _, v := range slices.Concat(p.RetryOn, p.AbortOn, p.Ignore) {
					used[v.Pkg().Path()] = v.Pkg().Name()
				}
				clientImports(m, used) // clients: httpbaldur, protobaldur
			}
		}
	}
	delete(used, pkg.Path)
	paths := make([]string, 0, len(used))
	for p := range used {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		out[p] = taken.fresh(used[p], 2)
	}
	return out
}

// register hands the chosen names to jennifer, aliasing only where the name
// differs from the last element of the path.
func register(file *jen.File, imports map[string]string) {
	for p, name := range imports {
		if name == lastElem(p) {
			file.ImportName(p, name)
		} else {
			file.ImportAlias(p, name)
		}
	}
}

func lastElem(p string) string {
	return path.Base(strings.TrimSuffix(p, "/"))
}

// collect records the packages of every named type in t.
func collect(t types.Type, from *types.Package, used map[string]string) {
	switch t := t.(type) {
	case *types.Alias:
		if obj := t.Obj(); obj.Pkg() != nil && parser.AliasNameable(t, from) {
			used[obj.Pkg().Path()] = obj.Pkg().Name()
			list(t.TypeArgs(), from, used)
			return
		}
		collect(types.Unalias(t), from, used)
	case *types.Named:
		if obj := t.Obj(); obj.Pkg() != nil {
			used[obj.Pkg().Path()] = obj.Pkg().Name()
		}
		list(t.TypeArgs(), from, used)
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			used["unsafe"] = "unsafe"
		}
	case *types.Pointer:
		collect(t.Elem(), from, used)
	case *types.Slice:
		collect(t.Elem(), from, used)
	case *types.Array:
		collect(t.Elem(), from, used)
	case *types.Chan:
		collect(t.Elem(), from, used)
	case *types.Map:
		collect(t.Key(), from, used)
		collect(t.Elem(), from, used)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				collect(tup.At(i).Type(), from, used)
			}
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			collect(t.Field(i).Type(), from, used)
		}
	case *types.Interface:
		for i := 0; i < t.NumExplicitMethods(); i++ {
			collect(t.ExplicitMethod(i).Type(), from, used)
		}
		for i := 0; i < t.NumEmbeddeds(); i++ {
			collect(t.EmbeddedType(i), from, used)
		}
	case *types.Union:
		for i := 0; i < t.Len(); i++ {
			collect(t.Term(i).Type(), from, used)
		}
	case *types.TypeParam:
		// named by the interface's own type parameter list
	}
}

func list(l *types.TypeList, from *types.Package, used map[string]string) {
	for i := 0; i < l.Len(); i++ {
		collect(l.At(i), from, used)
	}
}
