package generator

import (
	"bytes"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/parser"
)

// loadMode is all baldurgen asks of go/packages: types come from export
// data, syntax is parsed only for the matched packages' own files.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo

// load runs the one packages.Load of a generation and returns the packages
// sorted by import path, with the problems go/packages found in files that
// baldurgen did not write.
func load(opts Options, fset *token.FileSet) ([]*packages.Package, parser.Diagnostics, error) {
	cfg := loadConfig(opts, fset)
	patterns := opts.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, nil, goCommandFailed(err)
	}
	if len(pkgs) == 0 {
		return nil, nil, whyNothing(cfg, patterns)
	}
	slices.SortFunc(pkgs, func(a, b *packages.Package) int { return strings.Compare(a.PkgPath, b.PkgPath) })

	if err := setupErrors(cfg, patterns, pkgs); err != nil {
		return nil, nil, err
	}
	var diags parser.Diagnostics
	for _, p := range pkgs {
		generated := map[string]bool{}
		for _, f := range p.Syntax {
			if parser.IsGenerated(f) {
				generated[fset.Position(f.Package).Filename] = true
			}
		}
		for _, e := range p.Errors {
			for _, d := range splitError(e, opts.Dir) {
				// A generated file that no longer matches its interface is
				// exactly what this run replaces; its errors are expected.
				if !generated[d.Pos.Filename] {
					diags = append(diags, d)
				}
			}
		}
	}
	return pkgs, diags, nil
}

func loadConfig(opts Options, fset *token.FileSet) *packages.Config {
	cfg := &packages.Config{
		Mode:  loadMode,
		Dir:   opts.Dir,
		Fset:  fset,
		Env:   os.Environ(),
		Tests: false,
	}
	if tags := strings.TrimSpace(opts.Tags); tags != "" {
		cfg.BuildFlags = []string{"-tags=" + tags}
	}
	cfg.ParseFile = parseFile
	return cfg
}

var header = []byte(parser.Header + "\n")

// parseFile reads only the header and package clause of the files
// baldurgen wrote: this run replaces them, so type-checking them would
// only cost time and, when they are stale, report errors about code that
// is about to go. Code that uses their declarations then reports them
// undefined, which Generate forgives for the names it declares.
func parseFile(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	mode := goparser.AllErrors | goparser.ParseComments | goparser.SkipObjectResolution
	if bytes.HasPrefix(src, header) {
		mode = goparser.PackageClauseOnly | goparser.ParseComments
	}
	return goparser.ParseFile(fset, filename, src, mode)
}

// whyNothing explains an empty load. In export-data mode go/packages hides
// a failure of the go command itself (a go.mod that needs tidying, say);
// a plain listing surfaces it.
func whyNothing(cfg *packages.Config, patterns []string) error {
	plain := *cfg
	plain.Mode = packages.NeedName
	pkgs, err := packages.Load(&plain, patterns...)
	if err != nil {
		return goCommandFailed(err)
	}
	for _, p := range pkgs {
		for _, e := range p.Errors {
			return &LoadError{Messages: []string{withPos(e.Pos, e.Msg, cfg.Dir)}}
		}
	}
	return &LoadError{Messages: []string{"no packages match " + strings.Join(patterns, " ")}}
}

// compilerLine is one line of compiler output: file:line:col: message.
var compilerLine = regexp.MustCompile(`^(.+\.go):(\d+):(\d+): (.*)$`)

// splitError turns a go/packages error into diagnostics. The go command
// reports a failed compilation as one error without a position whose text
// is "# package" followed by compiler lines; those lines are the same
// problems the type checker reports, and some may be in generated files,
// so they are split out and positioned like the others.
func splitError(e packages.Error, dir string) parser.Diagnostics {
	if e.Pos != "" || !strings.HasPrefix(e.Msg, "# ") {
		return parser.Diagnostics{{Pos: errorPosition(e.Pos), Msg: e.Msg}}
	}
	var out parser.Diagnostics
	for _, line := range strings.Split(e.Msg, "\n")[1:] {
		if strings.HasPrefix(line, "\t") && len(out) > 0 { // continuation of the previous error
			out[len(out)-1].Msg += "\n" + line
			continue
		}
		m := compilerLine.FindStringSubmatch(line)
		if m == nil {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, parser.Diagnostic{Msg: line})
			}
			continue
		}
		file := m[1]
		if !filepath.IsAbs(file) {
			base := dir
			if base == "" {
				base, _ = os.Getwd()
			}
			file = filepath.Join(base, file)
		}
		pos := token.Position{Filename: filepath.Clean(file)}
		pos.Line, _ = strconv.Atoi(m[2])
		pos.Column, _ = strconv.Atoi(m[3])
		out = append(out, parser.Diagnostic{Pos: pos, Msg: m[4]})
	}
	return out
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
