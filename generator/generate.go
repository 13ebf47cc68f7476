package generator

import (
	"bytes"
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"strings"

	"github.com/baldur-go/baldur/parser"
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

	declared parser.Declared   // for CheckConfig
	model    []*parser.Package // for Plan
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
	res := &Result{Warnings: warnings.Sort(), declared: parser.DeclaredNames(model), model: model}
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

// forwardReferences drops the "undefined" errors of code that uses the
// declarations this run generates: the generated files themselves are
// read without their bodies (see parseFile), and before the first
// generation they do not exist. The interfaces type-check without them,
// and after generation the code compiles. An unqualified name must be
// generated in the file's own package; a qualified one (payments.NewX,
// under whatever import name) in any package of this run.
func forwardReferences(diags parser.Diagnostics, model []*parser.Package) parser.Diagnostics {
	pending := map[string]bool{} // dir + "\x00" + name, and "." + name
	for _, pkg := range model {
		for _, f := range pkg.Files {
			for _, iface := range f.Interfaces {
				for _, n := range []string{iface.TypeName, iface.CtorName} {
					pending[pkg.Dir+"\x00"+n] = true
					pending["."+n] = true
				}
			}
		}
	}
	out := diags[:0:0]
	for _, d := range diags {
		name, ok := strings.CutPrefix(d.Msg, "undefined: ")
		_, sel, qualified := strings.Cut(name, ".")
		if ok && (pending[filepath.Dir(d.Pos.Filename)+"\x00"+name] || qualified && pending["."+sel]) {
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
		if err != nil || bytes.HasPrefix(old, header) {
			continue
		}
		diags = append(diags, parser.Diagnostic{
			Pos: token.Position{Filename: f.Path, Line: 1, Column: 1},
			Msg: fmt.Sprintf("refusing to overwrite %s: it does not start with %q, so baldurgen did not write it", filepath.Base(f.Path), parser.Header),
		})
	}
	return diags
}
