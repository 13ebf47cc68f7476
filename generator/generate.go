package generator

import (
	"bytes"
	"errors"
	"fmt"
	"go/build/constraint"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/baldur-go/baldur/parser"
	"github.com/baldur-go/baldur/templates"
)

// Options selects what to generate.
type Options struct {
	// Dir is the directory patterns are resolved in; empty means the
	// current directory.
	Dir string
	// Patterns are go/packages patterns; empty means ".".
	Patterns []string
	// Tags are build tags, comma separated, passed to the loader.
	Tags string
	// BuildConstraint, when set, is a build expression (linux && !race)
	// every generated file must satisfy, on top of its source's own.
	BuildConstraint string
}

// Output is one generated file.
type Output struct {
	Path    string // absolute
	Content []byte
}

// Result is what a generation produced. When Diagnostics is not empty,
// Files and Orphans are empty: nothing is to be written.
type Result struct {
	Files []Output
	// Orphans are files baldurgen wrote earlier whose interfaces are gone.
	Orphans []string
	// Diagnostics are the errors; Warnings are policy-plan concerns, which
	// do not stop generation.
	Diagnostics parser.Diagnostics
	Warnings    parser.Diagnostics
}

// Generate loads the packages, reads their annotations and renders every
// file in memory. The error is for failures of the tool itself (the go
// command could not run, rendering failed); problems with the user's code
// are Diagnostics.
func Generate(opts Options) (*Result, error) {
	extra, err := parseConstraint(opts.BuildConstraint)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	pkgs, diags, err := load(opts, fset)
	if err != nil {
		return nil, err
	}
	foreign, fdiags, err := loadForeign(opts, fset, pkgs)
	if err != nil {
		return nil, err
	}
	diags = append(diags, fdiags...)
	model, more := parser.Read(fset, pkgs, foreign...)
	more, warnings := more.Split()
	diags = append(forwardReferences(diags, model), more...)
	res := &Result{Warnings: warnings.Sort()}
	var jobs []renderJob
	for _, pkg := range model {
		// A package with problems renders nothing; the others still render,
		// so one run reports every problem, including foreign files.
		if hasDiagnostics(pkg, diags) {
			continue
		}
		wrote := map[string]bool{}
		for _, f := range pkg.Files {
			f.BuildConstraint = combine(f.BuildConstraint, extra)
			jobs = append(jobs, renderJob{pkg: pkg, file: f})
			wrote[f.Output] = true
		}
		for _, g := range pkg.Generated {
			if !wrote[g] {
				res.Orphans = append(res.Orphans, g)
			}
		}
	}
	if res.Files, err = render(jobs); err != nil {
		return nil, err
	}
	diags = append(diags, foreignFiles(res.Files)...)
	if len(diags) > 0 {
		res.Files, res.Orphans = nil, nil
		res.Diagnostics = diags.Sort()
	}
	return res, nil
}

func parseConstraint(expr string) (constraint.Expr, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	e, err := constraint.Parse("//go:build " + expr)
	if err != nil {
		return nil, fmt.Errorf("--build-constraint %q: %v", expr, err)
	}
	return e, nil
}

// combine is the //go:build line requiring both the source's line (if
// any) and extra (if any).
func combine(line string, extra constraint.Expr) string {
	if extra == nil {
		return line
	}
	if line == "" {
		return "//go:build " + extra.String()
	}
	own, err := constraint.Parse(line)
	if err != nil {
		return line
	}
	return "//go:build " + (&constraint.AndExpr{X: own, Y: extra}).String()
}

type renderJob struct {
	pkg  *parser.Package
	file *parser.File
}

// render renders the files in parallel; formatting dominates the cost of
// a large generation and each file is independent. The output keeps the
// jobs' order.
func render(jobs []renderJob) ([]Output, error) {
	out := make([]Output, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			src, err := templates.Render(j.pkg, j.file, filepath.Base(j.file.Path))
			out[i], errs[i] = Output{Path: j.file.Output, Content: src}, err
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// forwardReferences drops the "undefined" errors of code that already uses
// the declarations this run is about to generate, such as a constructor
// called before its first generation: the interfaces type-check without
// them, and after generation the package compiles.
func forwardReferences(diags parser.Diagnostics, model []*parser.Package) parser.Diagnostics {
	pending := map[string]bool{} // dir + "\x00" + name
	for _, pkg := range model {
		for _, f := range pkg.Files {
			for _, iface := range f.Interfaces {
				pending[pkg.Dir+"\x00"+iface.TypeName], pending[pkg.Dir+"\x00"+iface.CtorName] = true, true
			}
		}
	}
	out := diags[:0:0]
	for _, d := range diags {
		name, ok := strings.CutPrefix(d.Msg, "undefined: ")
		if ok && pending[filepath.Dir(d.Pos.Filename)+"\x00"+name] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// hasDiagnostics reports whether any diagnostic is in pkg's directory.
func hasDiagnostics(pkg *parser.Package, diags parser.Diagnostics) bool {
	for _, d := range diags {
		if d.Pos.Filename == "" || filepath.Dir(d.Pos.Filename) == pkg.Dir {
			return true
		}
	}
	return false
}

// foreignFiles reports outputs that would overwrite a file baldurgen did
// not write.
func foreignFiles(files []Output) parser.Diagnostics {
	var diags parser.Diagnostics
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		if err != nil || bytes.HasPrefix(old, []byte(parser.Header+"\n")) {
			continue
		}
		diags = append(diags, parser.Diagnostic{
			Pos: token.Position{Filename: f.Path, Line: 1, Column: 1},
			Msg: fmt.Sprintf("refusing to overwrite %s: it does not start with %q, so baldurgen did not write it", filepath.Base(f.Path), parser.Header),
		})
	}
	return diags
}

// Write writes every file that changed, each atomically, and removes the
// orphans. It returns the paths it wrote or removed.
func (r *Result) Write() (changed []string, err error) {
	if len(r.Diagnostics) > 0 {
		return nil, errors.New("generator: refusing to write a result with diagnostics")
	}
	for _, f := range r.Files {
		old, rerr := os.ReadFile(f.Path)
		if rerr == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := writeAtomic(f.Path, f.Content); err != nil {
			return changed, err
		}
		changed = append(changed, f.Path)
	}
	for _, o := range r.Orphans {
		if err := os.Remove(o); err != nil && !errors.Is(err, os.ErrNotExist) {
			return changed, err
		}
		changed = append(changed, o)
	}
	return changed, nil
}

// writeAtomic writes through a temporary file in the same directory and
// renames it into place, so a reader never sees half a file.
func writeAtomic(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baldurgen-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
