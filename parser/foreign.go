package parser

import (
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/tools/go/packages"
)

// Foreign is a baldurgen.yaml with what it needs resolved: the package
// whose directory holds it, and the packages its interfaces come from.
type Foreign struct {
	config   *foreignConfig
	target   *packages.Package
	packages map[string]*types.Package // by import path
}

// ParseForeign reads the baldurgen.yaml at path, in target's directory.
// Unknown keys and malformed values are reported at their line:col, all
// of them; f is nil when the file is not YAML.
func ParseForeign(path string, data []byte, target *packages.Package) (*Foreign, Diagnostics) {
	cfg, diags := parseForeignConfig(path, data)
	if cfg == nil {
		return nil, diags
	}
	f := &Foreign{config: cfg, target: target, packages: map[string]*types.Package{}}
	// A package the target imports is taken from the target's own
	// type-check, so its types are identical to those the target's
	// fallbacks mention; only the others need loading.
	for _, e := range cfg.Entries {
		if imp := importedBy(target.Types, e.PkgPath); imp != nil {
			f.packages[e.PkgPath] = imp
		}
	}
	return f, diags
}

// Unresolved lists the import paths the file names that its package does
// not import: they are to be loaded, types only, and handed to Resolve.
func (f *Foreign) Unresolved() []string {
	var paths []string
	for _, e := range f.config.Entries {
		if f.packages[e.PkgPath] == nil {
			paths = append(paths, e.PkgPath)
		}
	}
	return paths
}

// Resolve adds the packages loaded for Unresolved and reports every entry
// whose package is still missing, saying why(path).
func (f *Foreign) Resolve(loaded map[string]*types.Package, why func(path string) string) Diagnostics {
	var diags Diagnostics
	for _, e := range f.config.Entries {
		if f.packages[e.PkgPath] == nil {
			f.packages[e.PkgPath] = loaded[e.PkgPath]
		}
		if f.packages[e.PkgPath] == nil {
			diags.add(e.Pos, "package %s could not be loaded: %s", e.PkgPath, why(e.PkgPath))
		}
	}
	return diags
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

// readForeign builds the files a baldurgen.yaml asks for, next to the
// package's existing ones.
func (r *reader) readForeign(f *Foreign, names *policyNames, existing []*File) []*File {
	dir := filepath.Dir(f.config.Path)
	var files []*File
	byOutput := map[string]*File{}
	taken := map[string]string{}
	for _, other := range existing {
		taken[other.Output] = filepath.Base(other.Path)
	}
	for _, e := range f.config.Entries {
		iface := r.readForeignEntry(f, e, names)
		if iface == nil {
			continue
		}
		name := e.File
		if name == "" {
			name = snake(e.Name) + "_baldur.go"
		}
		out := filepath.Join(dir, name)
		if src, ok := taken[out]; ok {
			at := e.FilePos
			if e.File == "" {
				at = e.Pos
			}
			r.diags.add(at, "%s would be written to %s, which already holds the decorators of %s; set file: to another name", e.Name, name, src)
			continue
		}
		file := byOutput[out]
		if file == nil {
			file = &File{Path: f.config.Path, Output: out}
			byOutput[out] = file
			files = append(files, file)
		}
		file.Interfaces = append(file.Interfaces, iface)
	}
	return files
}

func (r *reader) readForeignEntry(f *Foreign, e *foreignEntry, names *policyNames) *Interface {
	pkg := f.packages[e.PkgPath]
	if pkg == nil {
		return nil // the loader reported why
	}
	obj := pkg.Scope().Lookup(e.Name)
	tn, _ := obj.(*types.TypeName)
	var named *types.Named
	if tn != nil {
		named, _ = types.Unalias(tn.Type()).(*types.Named)
	}
	switch {
	case obj == nil || !obj.Exported():
		var exported []string
		for _, n := range pkg.Scope().Names() {
			if o := pkg.Scope().Lookup(n); o.Exported() && types.IsInterface(o.Type()) {
				exported = append(exported, n)
			}
		}
		r.diags.add(e.Pos, "package %s has no exported interface %s%s", e.PkgPath, e.Name, didYouMean(e.Name, exported))
		return nil
	case named == nil || !types.IsInterface(named):
		r.diags.add(e.Pos, "%s.%s is not an interface", e.PkgPath, e.Name)
		return nil
	case !named.Underlying().(*types.Interface).IsMethodSet():
		r.diags.add(e.Pos, "%s.%s has type terms, so it is a constraint, not an interface a value can implement", e.PkgPath, e.Name)
		return nil
	}

	qualifiers := map[string]*types.Package{pkg.Name(): pkg}
	for _, imp := range f.target.Types.Imports() {
		if _, taken := qualifiers[imp.Name()]; !taken {
			qualifiers[imp.Name()] = imp
		}
	}
	it := named.Underlying().(*types.Interface)
	var methodNames []string
	for i := 0; i < it.NumMethods(); i++ {
		methodNames = append(methodNames, it.Method(i).Name())
	}
	res := &resolver{r: r, pkg: f.target, qualifiers: qualifiers, methods: methodNames, iface: e.Name}
	d := &ifaceDecl{pkg: f.target, file: f.config.Path}
	if e.Defaults != nil {
		d.defaults = r.configAnnotation(e.Defaults, false, res)
	}
	notes := map[string]methodNote{}
	for _, m := range e.Methods {
		if !slices.Contains(methodNames, m.Name) {
			r.diags.add(m.NamePos, "%s.%s has no method %s%s", pkg.Name(), e.Name, m.Name, didYouMean(m.Name, methodNames))
			continue
		}
		if strings.TrimSpace(m.Text) == verbSkip {
			notes[m.Name] = methodNote{skip: true}
			continue
		}
		notes[m.Name] = methodNote{ann: r.configAnnotation(m, true, res)}
	}
	typ, ctor := generatedNames(e.Name)
	if e.Type != "" {
		typ, ctor = e.Type, constructorName(e.Type)
	}
	return r.buildInterface(d, named, e.Pos, typ, ctor, func(fn *types.Func) methodNote { return notes[fn.Name()] }, names)
}

// configAnnotation parses a config value as if it followed
// //baldur:protected, with positions inside the YAML file.
func (r *reader) configAnnotation(ct *configText, onMethod bool, res *resolver) *annotation {
	const lead = directivePrefix + verbProtected + " "
	pos := ct.TextPos
	pos.Column -= len(lead)
	d, diags := parseDirective(lead+ct.Text, pos)
	r.diags = append(r.diags, diags...)
	if d == nil {
		return nil
	}
	d.Pos = ct.NamePos
	a, diags := parseAnnotation(d, onMethod)
	r.diags = append(r.diags, diags...)
	res.annotation(a)
	return a
}

func constructorName(typ string) string {
	if r := []rune(typ); unicode.IsUpper(r[0]) {
		return "New" + typ
	}
	return "new" + strings.ToUpper(typ[:1]) + typ[1:]
}

// snake turns RoundTripper into round_tripper for a file name.
func snake(s string) string {
	return strings.ReplaceAll(kebab(s), "-", "_")
}
