package generator

import (
	"errors"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/parser"
)

// loadForeign reads the baldurgen.yaml of every loaded package and loads,
// types only, the packages whose interfaces they name: one more
// packages.Load, made only when such a file exists.
func loadForeign(opts Options, fset *token.FileSet, pkgs []*packages.Package) ([]*parser.Foreign, parser.Diagnostics, error) {
	var out []*parser.Foreign
	var diags parser.Diagnostics
	var paths []string
	for _, p := range pkgs {
		if len(p.GoFiles) == 0 {
			continue
		}
		file := filepath.Join(filepath.Dir(p.GoFiles[0]), parser.ConfigFile)
		data, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		cfg, more := parser.ParseForeignConfig(file, data)
		diags = append(diags, more...)
		if cfg == nil {
			continue
		}
		f := &parser.Foreign{Config: cfg, Target: p, Packages: map[string]*types.Package{}}
		out = append(out, f)
		// A package the target imports is taken from the target's own
		// type-check, so its types are identical to those the target's
		// fallbacks mention; only the others need loading.
		for _, e := range cfg.Entries {
			if imp := importedBy(p.Types, e.PkgPath); imp != nil {
				f.Packages[e.PkgPath] = imp
			} else {
				paths = append(paths, e.PkgPath)
			}
		}
	}
	if len(paths) == 0 {
		return out, diags, nil
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	cfg := loadConfig(opts, fset)
	cfg.Mode = packages.NeedName | packages.NeedTypes
	loaded, err := packages.Load(cfg, paths...)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range loaded {
		if p.Types == nil || len(p.Errors) > 0 {
			continue
		}
		for _, f := range out {
			if f.Packages[p.PkgPath] == nil {
				f.Packages[p.PkgPath] = p.Types
			}
		}
	}
	for _, f := range out {
		for _, e := range f.Config.Entries {
			if f.Packages[e.PkgPath] == nil {
				diags = append(diags, parser.Diagnostic{Pos: e.Pos, Msg: "package " + e.PkgPath + " could not be loaded: " + loadError(loaded, e.PkgPath)})
			}
		}
	}
	return out, diags, nil
}

func importedBy(pkg *types.Package, path string) *types.Package {
	if pkg == nil {
		return nil
	}
	for _, imp := range pkg.Imports() {
		if imp.Path() == path {
			return imp
		}
	}
	return nil
}

func loadError(loaded []*packages.Package, path string) string {
	for _, p := range loaded {
		if p.PkgPath == path && len(p.Errors) > 0 {
			return p.Errors[0].Msg // whole: its advice ("to add it: go get ...") is the fix
		}
	}
	return "no such package in the build (is it a dependency of this module?)"
}
