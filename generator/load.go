package generator

import (
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/parser"
)

// LoadMode is all baldurgen asks of go/packages: types come from export
// data, syntax is parsed only for the matched packages' own files.
const LoadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo

// load runs the one packages.Load of a generation and returns the packages
// sorted by import path, with the problems go/packages found in files that
// baldurgen did not write.
func load(opts Options, fset *token.FileSet) ([]*packages.Package, parser.Diagnostics, error) {
	cfg := &packages.Config{
		Mode:  LoadMode,
		Dir:   opts.Dir,
		Fset:  fset,
		Env:   os.Environ(),
		Tests: false,
	}
	if tags := strings.TrimSpace(opts.Tags); tags != "" {
		cfg.BuildFlags = []string{"-tags=" + tags}
	}
	patterns := opts.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(pkgs, func(a, b *packages.Package) int { return strings.Compare(a.PkgPath, b.PkgPath) })

	var diags parser.Diagnostics
	for _, p := range pkgs {
		generated := map[string]bool{}
		for _, f := range p.Syntax {
			if parser.IsGenerated(f) {
				generated[fset.Position(f.Package).Filename] = true
			}
		}
		for _, e := range p.Errors {
			pos := errorPosition(e.Pos)
			// A generated file that no longer matches its interface is
			// exactly what this run replaces; its errors are expected.
			if generated[pos.Filename] {
				continue
			}
			diags = append(diags, parser.Diagnostic{Pos: pos, Msg: e.Msg})
		}
	}
	return pkgs, diags, nil
}

// errorPosition parses go/packages' "file:line:col" error positions.
func errorPosition(s string) token.Position {
	var p token.Position
	if s == "" || s == "-" {
		return p
	}
	parts := strings.Split(s, ":")
	// The file name may itself contain colons (Windows drive letters).
	nums := 0
	for i := len(parts) - 1; i > 0 && nums < 2; i-- {
		if _, err := strconv.Atoi(parts[i]); err != nil {
			break
		}
		nums++
	}
	p.Filename = filepath.Clean(strings.Join(parts[:len(parts)-nums], ":"))
	if nums >= 1 {
		p.Line, _ = strconv.Atoi(parts[len(parts)-nums])
	}
	if nums == 2 {
		p.Column, _ = strconv.Atoi(parts[len(parts)-1])
	}
	return p
}
