package parser

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// methodNote is the directive written on one interface method.
type methodNote struct {
	ann  *annotation // nil when skipped
	skip bool
}

// ifaceDecl is an interface declaration that carries a directive.
type ifaceDecl struct {
	pkg        *packages.Package
	file       string
	constraint string
	spec       *ast.TypeSpec
	defaults   *annotation
}

// reader holds what the first pass found across every package, so that a
// method's annotation is found even when the method is embedded from an
// interface of another loaded package.
type reader struct {
	fset    *token.FileSet
	diags   Diagnostics
	notes   map[token.Pos]methodNote
	decls   []*ifaceDecl
	scanned map[*packages.Package]bool
}

func (r *reader) errorCount() int {
	n := 0
	for _, d := range r.diags {
		if !d.Warning {
			n++
		}
	}
	return n
}

// IsGenerated reports whether a parsed file was written by baldurgen.
func IsGenerated(f *ast.File) bool {
	return len(f.Comments) > 0 && len(f.Comments[0].List) > 0 &&
		f.Comments[0].List[0].Text == Header && f.Comments[0].Pos() < f.Package
}

// Read finds the annotated interfaces of pkgs, checks every annotation and
// resolves what it names. Packages without annotations are returned too,
// so that their stale generated files can be found.
//
// foreign lists the baldurgen.yaml files of the packages, each with the
// packages its interfaces come from.
func Read(fset *token.FileSet, pkgs []*packages.Package, foreign ...*Foreign) ([]*Package, Diagnostics) {
	r := &reader{fset: fset, notes: map[token.Pos]methodNote{}, scanned: map[*packages.Package]bool{}}
	for _, p := range pkgs {
		r.scan(p)
	}
	out := make([]*Package, 0, len(pkgs))
	byPkg := map[*packages.Package]*Package{}
	for _, p := range pkgs {
		mp := &Package{Path: p.PkgPath, Name: p.Name, Types: p.Types}
		if len(p.GoFiles) > 0 {
			mp.Dir = dirOf(p.GoFiles[0])
		}
		for i, f := range p.Syntax {
			if IsGenerated(f) && i < len(p.CompiledGoFiles) {
				name := fset.Position(f.Package).Filename
				if src := generatedFrom(f); src != "" && slices.Contains(p.IgnoredFiles, filepath.Join(filepath.Dir(name), src)) {
					// Written from a file this build context leaves out (an
					// older baldurgen did not copy net_linux.go's constraint):
					// its interfaces were not read, so it is not an orphan.
					continue
				}
				mp.Generated = append(mp.Generated, name)
			}
		}
		byPkg[p] = mp
		out = append(out, mp)
	}
	names := map[*Package]*policyNames{}
	policies := map[string]*policyUse{}
	breakers := map[string]*breakerUse{}
	namesOf := func(mp *Package) *policyNames {
		if names[mp] == nil {
			names[mp] = &policyNames{byName: policies, generated: map[string]string{}, breakers: breakers}
		}
		return names[mp]
	}
	for _, d := range r.decls {
		mp := byPkg[d.pkg]
		if mp == nil {
			continue // an embedded interface's package, scanned for its notes only
		}
		iface := r.readInterface(d, namesOf(mp))
		if iface == nil {
			continue
		}
		if n := len(mp.Files); n > 0 && mp.Files[n-1].Path == d.file {
			mp.Files[n-1].Interfaces = append(mp.Files[n-1].Interfaces, iface)
		} else {
			mp.Files = append(mp.Files, &File{Path: d.file, Output: outputPath(d.file), BuildConstraint: d.constraint, Interfaces: []*Interface{iface}})
		}
	}
	for _, f := range foreign {
		mp := byPkg[f.target]
		mp.Files = append(mp.Files, r.readForeign(f, namesOf(mp), mp.Files)...)
	}
	for _, p := range pkgs {
		nameCodecs(byPkg[p], ownNames(p))
	}
	return out, r.diags.Sort()
}

// generatedFrom is the source named by a generated file's header, or "".
func generatedFrom(f *ast.File) string {
	const prefix = "// Source: "
	list := f.Comments[0].List
	if len(list) < 2 || !strings.HasPrefix(list[1].Text, prefix) {
		return ""
	}
	return strings.TrimPrefix(list[1].Text, prefix)
}

// outputPath is where the decorators of the interfaces declared in source
// are written.
func outputPath(source string) string {
	return strings.TrimSuffix(source, ".go") + "_baldur.go"
}

func dirOf(file string) string {
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		return file[:i]
	}
	return "."
}

// scan is the first pass over one package: it parses every directive,
// records method notes and annotated interfaces, and reports directives
// that are not on an interface or one of its methods.
func (r *reader) scan(p *packages.Package) {
	if r.scanned[p] {
		return
	}
	r.scanned[p] = true
	for _, f := range p.Syntax {
		if IsGenerated(f) {
			continue
		}
		used := map[*ast.Comment]bool{}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				it, ok := ts.Type.(*ast.InterfaceType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				r.scanInterface(p, f, ts, it, doc, used)
			}
		}
		r.reportStray(f, used)
	}
}

func (r *reader) scanInterface(p *packages.Package, f *ast.File, ts *ast.TypeSpec, it *ast.InterfaceType, doc *ast.CommentGroup, used map[*ast.Comment]bool) {
	methods := make([]string, 0, len(it.Methods.List))
	for _, field := range it.Methods.List {
		for _, n := range field.Names {
			methods = append(methods, n.Name)
		}
	}
	res := &resolver{r: r, pkg: p, file: f, methods: methods, iface: ts.Name.Name}
	defaults, _, _ := r.directives(doc, used, false, res)
	annotated := defaults != nil
	for _, field := range it.Methods.List {
		ann, skip, found := r.directives(field.Doc, used, true, res)
		if !found {
			continue
		}
		if len(field.Names) == 0 {
			r.diags.add(r.fset.Position(field.Doc.Pos()), "baldur annotations apply to interface methods; annotate the methods of the embedded interface, or the interface itself")
			continue
		}
		r.notes[field.Names[0].Pos()] = methodNote{ann: ann, skip: skip}
		annotated = annotated || ann != nil
	}
	if !annotated {
		return
	}
	if ts.Assign.IsValid() {
		r.diags.add(r.fset.Position(ts.Name.Pos()), "%s is an alias; annotate the interface's own declaration", ts.Name.Name)
		return
	}
	file := r.fset.Position(f.Package).Filename
	r.decls = append(r.decls, &ifaceDecl{pkg: p, file: file, constraint: sourceConstraint(f, file), spec: ts, defaults: defaults})
}

// directives parses the baldur directives of one doc comment. Several
// //baldur:protected lines on one declaration read as one.
func (r *reader) directives(doc *ast.CommentGroup, used map[*ast.Comment]bool, onMethod bool, res *resolver) (ann *annotation, skip, found bool) {
	if doc == nil {
		return nil, false, false
	}
	var merged *directive
	var skipPos token.Position
	for _, c := range doc.List {
		if !isDirective(c.Text) {
			continue
		}
		used[c] = true
		found = true
		d, diags := parseDirective(c.Text, r.fset.Position(c.Slash))
		r.diags = append(r.diags, diags...)
		if d == nil {
			continue
		}
		if d.Verb == verbSkip {
			if !onMethod {
				r.diags.add(d.Pos, "//baldur:skip applies to a method, not to an interface")
				continue
			}
			skip, skipPos = true, d.Pos
			continue
		}
		if merged == nil {
			merged = d
		} else {
			merged.Args = append(merged.Args, d.Args...)
		}
	}
	if merged == nil {
		return nil, skip, found
	}
	if skip {
		r.diags.add(skipPos, "//baldur:skip and //baldur:protected on the same method; keep one")
		return nil, false, found
	}
	a, diags := parseAnnotation(merged, onMethod)
	r.diags = append(r.diags, diags...)
	res.annotation(a)
	return a, false, found
}
