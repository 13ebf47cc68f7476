package parser

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// FieldKind is how a field's value reaches the runtime: baldur.String,
// Int, Uint or Bool.
type FieldKind int

const (
	FieldString FieldKind = iota
	FieldInt
	FieldUint
	FieldBool
)

// Field is one PolicyContext field of a protected method's calls.
type Field struct {
	// Name is the field's name: the parameter's or the path's last
	// element in snake_case, or the name a context= entry gave it.
	Name string
	// Param is the index of the parameter the value comes from; Path are
	// the field selectors after it, embedded fields spelt out.
	Param int
	Path  []string
	// Types[i] is the type after i selectors; a pointer among them (but
	// the last) is checked for nil, and a nil one gives the zero value.
	Types []types.Type
	Kind  FieldKind
	// Pos is where the field was asked for (its context= or breaker_key
	// entry); an automatic field has the method's position.
	Pos token.Position
	// auto: a parameter's own field, which a context= entry may rename.
	auto bool
}

// Type is the type of the field's value.
func (f *Field) Type() types.Type { return f.Types[len(f.Types)-1] }

// fieldKind classifies a type that can be a field: a string, boolean or
// integer kind, named or not. Floats compare badly as text, uintptr and
// unsafe.Pointer are not business values.
func fieldKind(t types.Type) (FieldKind, bool) {
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return 0, false
	}
	switch info := b.Info(); {
	case b.Kind() == types.Uintptr:
		return 0, false
	case info&types.IsString != 0:
		return FieldString, true
	case info&types.IsBoolean != 0:
		return FieldBool, true
	case info&types.IsInteger != 0 && info&types.IsUnsigned != 0:
		return FieldUint, true
	case info&types.IsInteger != 0:
		return FieldInt, true
	}
	return 0, false
}

// autoFields are the fields every call carries without being asked: each
// named parameter of a basic kind, under its name in snake_case, but the
// sensitive ones.
func autoFields(m *Method, p *Policy, sensitive map[int]bool, at token.Position) []*Field {
	var out []*Field
	params := m.Sig.Params()
	for i := 0; i < params.Len(); i++ {
		v := params.At(i)
		if i == p.Ctx || sensitive[i] || v.Name() == "" || v.Name() == "_" {
			continue
		}
		if m.Sig.Variadic() && i == params.Len()-1 {
			continue // a slice, never basic
		}
		kind, ok := fieldKind(v.Type())
		if !ok {
			continue
		}
		out = append(out, &Field{Name: snake(v.Name()), Param: i, Types: []types.Type{v.Type()}, Kind: kind, Pos: at, auto: true})
	}
	return out
}

// FieldNames are the names of the fields, in order: Spec.Fields.
func (p *Policy) FieldNames() []string {
	names := make([]string, len(p.Fields))
	for i, f := range p.Fields {
		names[i] = f.Name
	}
	return names
}

// resolvedPath is a field path checked against a method's parameters.
type resolvedPath struct {
	param int
	path  []string
	types []types.Type
}

func (rp resolvedPath) key() string {
	return strings.Join(append([]string{strconv.Itoa(rp.param)}, rp.path...), "/")
}

// under reports whether rp is other or a value inside it.
func (rp resolvedPath) under(other resolvedPath) bool {
	return rp.key() == other.key() || strings.HasPrefix(rp.key(), other.key()+"/")
}

// resolvePath resolves a context=, sensitive= or breaker_key= path
// through the method's parameters and their fields (through pointers),
// spelling embedded fields out so that each pointer on the way can be
// checked for nil.
func (r *reader) resolvePath(d *ifaceDecl, m *Method, p *Policy, key string, fp fieldPath) (resolvedPath, bool) {
	at := func(i int) token.Position { return elemPos(fp.Pos, fp.Elems, i) }
	params := m.Sig.Params()
	rp := resolvedPath{}
	var names []string
	rp.param, names = paramNamed(m.Sig, fp.Elems[0])
	if rp.param < 0 {
		r.diags.add(at(0), "%s %s: %s has no parameter %s; its parameters are %s%s", key, fp.Text, m.Name, fp.Elems[0], strings.Join(names, ", "), didYouMean(fp.Elems[0], names))
		return rp, false
	}
	if rp.param == p.Ctx {
		r.diags.add(at(0), "%s %s names the context; name one of the other parameters of %s", key, fp.Text, m.Name)
		return rp, false
	}
	t := params.At(rp.param).Type()
	rp.types = []types.Type{t}
	for i, name := range fp.Elems[1:] {
		obj, index, _ := types.LookupFieldOrMethod(t, true, d.pkg.Types, name)
		switch obj.(type) {
		case *types.Var:
		case *types.Func:
			r.diags.add(at(i+1), "%s %s: %s is a method of %s; %s reads fields, not methods", key, fp.Text, name, typeString(t), key)
			return rp, false
		default:
			r.diags.add(at(i+1), "%s %s: %s has no field %s%s", key, fp.Text, typeString(t), name, didYouMean(name, fieldNamesOf(t, d.pkg.Types, false)))
			return rp, false
		}
		if !obj.Exported() && obj.Pkg() != d.pkg.Types {
			r.diags.add(at(i+1), "%s %s: %s of %s is unexported in package %s", key, fp.Text, name, typeString(t), obj.Pkg().Path())
			return rp, false
		}
		cur := t
		for j, fi := range index {
			f := structOf(cur).Field(fi)
			cur = f.Type()
			if j < len(index)-1 && !f.Exported() && f.Pkg() != d.pkg.Types {
				// An embedded field this package cannot name: its fields
				// are reached as promoted ones, which only a value allows
				// without a nil check.
				if isPointer(f.Type()) {
					r.diags.add(at(i+1), "%s %s: %s is reached through the embedded %s, which package %s cannot name to check it for nil", key, fp.Text, name, typeString(f.Type()), d.pkg.Types.Name())
					return rp, false
				}
				continue
			}
			rp.path = append(rp.path, f.Name())
			rp.types = append(rp.types, cur)
		}
		t = cur
	}
	return rp, true
}

// structOf is the struct t is, or points to.
func structOf(t types.Type) *types.Struct {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	s, _ := t.Underlying().(*types.Struct)
	return s
}

// fieldNamesOf lists the fields of the struct t is or points to that
// package from can read, for suggestions; basic keeps only those of a
// kind a PolicyContext field can have.
func fieldNamesOf(t types.Type, from *types.Package, basic bool) []string {
	s := structOf(t)
	if s == nil {
		return nil
	}
	var out []string
	for i := 0; i < s.NumFields(); i++ {
		f := s.Field(i)
		if !f.Exported() && f.Pkg() != from {
			continue
		}
		if _, ok := fieldKind(f.Type()); basic && !ok {
			continue
		}
		out = append(out, f.Name())
	}
	return out
}

// resolveFields builds the method's fields: its basic-kinded parameters
// but the sensitive ones, then the context= paths, then a breaker_key
// path that is neither.
func (r *reader) resolveFields(d *ifaceDecl, m *Method, p *Policy, a *annotation) {
	var sensitive []resolvedPath
	sensitiveParams := map[int]bool{}
	if a.Sensitive != nil {
		for _, fp := range a.Sensitive.V {
			if rp, ok := r.resolvePath(d, m, p, "sensitive", fp); ok {
				sensitive = append(sensitive, rp)
				if len(rp.path) == 0 {
					sensitiveParams[rp.param] = true
				}
			}
		}
	}
	isSensitive := func(rp resolvedPath) bool {
		for _, s := range sensitive {
			if rp.under(s) {
				return true
			}
		}
		return false
	}
	p.Fields = autoFields(m, p, sensitiveParams, m.Pos)
	byName := map[string]*Field{}
	params := m.Sig.Params()
	for _, f := range p.Fields {
		if other, dup := byName[f.Name]; dup {
			r.diags.add(a.Pos, "parameters %s and %s of %s would both be the field %s; rename one of them", params.At(other.Param).Name(), params.At(f.Param).Name(), m.Name, f.Name)
			continue
		}
		byName[f.Name] = f
	}
	if a.Context != nil {
		for _, fp := range a.Context.V {
			r.contextField(d, m, p, fp, byName, isSensitive)
		}
	}
	if a.BreakerKey != nil {
		r.breakerKey(d, m, p, a.BreakerKey, byName, isSensitive)
	}
}

// samePath finds the field that reads rp, if any.
func samePath(fields []*Field, rp resolvedPath) *Field {
	for _, f := range fields {
		if f.Param == rp.param && slices.Equal(f.Path, rp.path) {
			return f
		}
	}
	return nil
}

// basicEnd checks that a resolved path ends in a value a field can hold.
func (r *reader) basicEnd(d *ifaceDecl, key string, fp fieldPath, rp resolvedPath) (FieldKind, bool) {
	end := rp.types[len(rp.types)-1]
	if kind, ok := fieldKind(end); ok {
		return kind, true
	}
	msg := fmt.Sprintf("%s %s has type %s; a field must be a string, integer or boolean kind", key, fp.Text, typeString(end))
	if b, ok := end.Underlying().(*types.Basic); ok && b.Info()&types.IsFloat != 0 {
		msg += " (a float's text is not a value to match)"
	}
	if basic := fieldNamesOf(end, d.pkg.Types, true); len(basic) > 0 {
		last := fp.Elems[len(fp.Elems)-1]
		suggest, ok := nearest(last, basic)
		if !ok {
			suggest = basic[0]
		}
		msg += ": name one of its fields, such as " + fp.Text + "." + suggest
	}
	r.diags.add(fp.Pos, "%s", msg)
	return 0, false
}

// contextField adds (or renames) the field a context= entry asks for.
func (r *reader) contextField(d *ifaceDecl, m *Method, p *Policy, fp fieldPath, byName map[string]*Field, isSensitive func(resolvedPath) bool) {
	rp, ok := r.resolvePath(d, m, p, "context", fp)
	if !ok {
		return
	}
	if isSensitive(rp) {
		r.diags.add(fp.Pos, "context %s is sensitive; a sensitive value is never a field, so drop it from context or from sensitive", fp.Text)
		return
	}
	kind, ok := r.basicEnd(d, "context", fp, rp)
	if !ok {
		return
	}
	name := fp.Name
	if name == "" {
		name = snake(fp.Elems[len(fp.Elems)-1])
	}
	existing := samePath(p.Fields, rp)
	if existing != nil && !existing.auto {
		r.diags.add(fp.Pos, "context %s is already the field %s; name each value once", fp.Text, existing.Name)
		return
	}
	if other, taken := byName[name]; taken && other != existing {
		what := "the parameter " + m.Sig.Params().At(other.Param).Name()
		if len(other.Path) > 0 {
			what = "context " + strings.Join(append([]string{m.Sig.Params().At(other.Param).Name()}, other.Path...), ".")
		}
		r.diags.add(fp.Pos, "context %s: the field %s is already %s; name this one, such as context=%s:%s", fp.Text, name, what, snake(strings.Join(fp.Elems, "_")), fp.Text)
		return
	}
	if existing != nil {
		// The parameter is a field already: a name renames it.
		delete(byName, existing.Name)
		existing.Name, existing.Pos, existing.auto = name, fp.Pos, false
		byName[name] = existing
		return
	}
	f := &Field{Name: name, Param: rp.param, Path: rp.path, Types: rp.types, Kind: kind, Pos: fp.Pos}
	p.Fields = append(p.Fields, f)
	byName[name] = f
}

// breakerKey resolves breaker_key to one of the method's fields, adding a
// path that is not one yet.
func (r *reader) breakerKey(d *ifaceDecl, m *Method, p *Policy, kv *typedValue[fieldPath], byName map[string]*Field, isSensitive func(resolvedPath) bool) {
	fp := kv.V
	if p.Breaker == "" {
		r.diags.add(kv.Pos, "breaker_key keys a breaker, and %s has none: add breaker (or breaker=name)", m.Name)
		return
	}
	params := m.Sig.Params()
	isParam := false
	for i := 0; i < params.Len(); i++ {
		isParam = isParam || params.At(i).Name() == fp.Elems[0] && i != p.Ctx
	}
	if len(fp.Elems) == 1 && !isParam {
		// Not a parameter: the name of one of the method's fields.
		if f, ok := byName[fp.Elems[0]]; ok {
			p.BreakerKey = f.Name
			return
		}
		var names, fields []string
		for i := 0; i < params.Len(); i++ {
			if n := params.At(i).Name(); n != "" && n != "_" && i != p.Ctx {
				names = append(names, n)
			}
		}
		for _, f := range p.Fields {
			fields = append(fields, f.Name)
		}
		r.diags.add(fp.Pos, "breaker_key %s: %s has no parameter or field %s; its parameters are %s, its fields %s%s",
			fp.Text, m.Name, fp.Text, strings.Join(names, ", "), strings.Join(fields, ", "), didYouMean(fp.Text, append(names, fields...)))
		return
	}
	rp, ok := r.resolvePath(d, m, p, "breaker_key", fp)
	if !ok {
		return
	}
	if isSensitive(rp) {
		r.diags.add(fp.Pos, "breaker_key %s is sensitive; a breaker's key is shown in events and by Runtime.Breakers, so key it by another value", fp.Text)
		return
	}
	kind, ok := r.basicEnd(d, "breaker_key", fp, rp)
	if !ok {
		return
	}
	if f := samePath(p.Fields, rp); f != nil {
		p.BreakerKey = f.Name
		return
	}
	name := snake(fp.Elems[len(fp.Elems)-1])
	if _, taken := byName[name]; taken {
		r.diags.add(fp.Pos, "breaker_key %s: the field %s is already another value; name this one with context=name:%s and key the breaker by that name", fp.Text, name, fp.Text)
		return
	}
	f := &Field{Name: name, Param: rp.param, Path: rp.path, Types: rp.types, Kind: kind, Pos: fp.Pos}
	p.Fields = append(p.Fields, f)
	byName[name] = f
	p.BreakerKey = name
}
