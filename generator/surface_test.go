package generator_test

import (
	"go/types"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestPublicSurface keeps parser, templates and generator from exporting
// what no other package of the toolchain uses: they are internal to
// baldurgen, and every exported name would read as a promise.
func TestPublicSurface(t *testing.T) {
	root, _ := filepath.Abs("..")
	mode := packages.NeedName | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax
	pkgs, err := packages.Load(&packages.Config{Mode: mode, Dir: root}, "./parser", "./templates", "./generator", "./cmd/...")
	if err != nil {
		t.Fatal(err)
	}
	used := map[types.Object][]string{}
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Fatal(e)
		}
		for _, obj := range p.TypesInfo.Uses {
			if obj.Pkg() != nil && obj.Pkg() != p.Types {
				used[obj] = append(used[obj], p.PkgPath)
			}
		}
	}
	// A type other packages never spell but reach, as the type of a field
	// or a result of what they use (Method.Policy, Result.Files), is part of
	// what they use.
	reached := map[types.Object]bool{}
	var reach func(types.Type)
	reach = func(t types.Type) {
		switch t := types.Unalias(t).(type) {
		case *types.Named:
			if reached[t.Obj()] {
				return
			}
			reached[t.Obj()] = true
			for i := 0; i < t.NumMethods(); i++ {
				if m := t.Method(i); m.Exported() {
					reach(m.Type())
				}
			}
			reach(t.Underlying())
		case *types.Pointer:
			reach(t.Elem())
		case *types.Slice:
			reach(t.Elem())
		case *types.Map:
			reach(t.Key())
			reach(t.Elem())
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				if t.Field(i).Exported() {
					reach(t.Field(i).Type())
				}
			}
		case *types.Signature:
			for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
				for i := 0; i < tup.Len(); i++ {
					reach(tup.At(i).Type())
				}
			}
		}
	}
	for obj := range used {
		reach(obj.Type())
	}
	internal := []string{"parser", "templates", "generator"}
	for _, p := range pkgs {
		if !slices.Contains(internal, p.Name) {
			continue
		}
		for _, name := range p.Types.Scope().Names() {
			if obj := p.Types.Scope().Lookup(name); obj.Exported() && len(used[obj]) == 0 && !reached[obj] {
				t.Errorf("%s.%s is exported but no other package of the toolchain uses it", p.Name, name)
			}
		}
	}
}
