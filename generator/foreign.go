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
// packages.Load, made only when such a file names a package its own
// package does not import.
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
		f, more := parser.ParseForeign(file, data, p)
		diags = append(diags, more...)
		if f != nil {
			out = append(out, f)
			paths = append(paths, f.Unresolved()...)
		}
	}
	loaded := map[string]*types.Package{}
	var withErrors []*packages.Package
	if len(paths) > 0 {
		slices.Sort(paths)
		cfg := loadConfig(opts, fset)
		cfg.Mode = packages.NeedName | packages.NeedTypes
		pkgs, err := packages.Load(cfg, slices.Compact(paths)...)
		if err != nil {
			return nil, nil, goCommandFailed(err)
		}
		for _, p := range pkgs {
			if p.Types != nil && len(p.Errors) == 0 {
				loaded[p.PkgPath] = p.Types
			} else {
				withErrors = append(withErrors, p)
			}
		}
	}
	for _, f := range out {
		diags = append(diags, f.Resolve(loaded, func(path string) string { return loadError(withErrors, path) })...)
	}
	return out, diags, nil
}

func loadError(loaded []*packages.Package, path string) string {
	for _, p := range loaded {
		if p.PkgPath == path && len(p.Errors) > 0 {
			return p.Errors[0].Msg // whole: its advice ("to add it: go get ...") is the fix
		}
	}
	return "no such package in the build (is it a dependency of this module?)"
}
