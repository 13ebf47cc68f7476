package templates

import (
	"go/token"
	"go/types"
	"testing"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

func TestCamel(t *testing.T) {
	for in, want := range map[string]string{"tier": "tier", "customer_tier": "customerTier", "http_host": "httpHost", "a__b": "aB", "_x": "X", "9lives": "field9lives"} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
}

// A field's value reaches its constructor converted only when its type is
// a named one.
func TestFieldCtor(t *testing.T) {
	pkg := types.NewPackage("example.com/p", "p")
	named := func(name string, u types.Type) types.Type {
		return types.NewNamed(types.NewTypeName(token.NoPos, pkg, name, nil), u, nil)
	}
	for _, c := range []struct {
		t    types.Type
		kind parser.FieldKind
		want string
	}{
		{types.Typ[types.String], parser.FieldString, `baldur.String("f", v)`},
		{named("Tier", types.Typ[types.String]), parser.FieldString, `baldur.String("f", string(v))`},
		{types.Typ[types.Int64], parser.FieldInt, `baldur.Int("f", v)`},
		{types.Typ[types.Int], parser.FieldInt, `baldur.Int("f", int64(v))`},
		{types.Typ[types.Uint16], parser.FieldUint, `baldur.Uint("f", uint64(v))`},
		{types.Typ[types.Uint64], parser.FieldUint, `baldur.Uint("f", v)`},
		{named("Flag", types.Typ[types.Bool]), parser.FieldBool, `baldur.Bool("f", bool(v))`},
	} {
		f := &parser.Field{Name: "f", Types: []types.Type{c.t}, Kind: c.kind}
		// Rendered alone, the runtime's import is named by its last element.
		want := "runtime." + c.want[len("baldur."):]
		if got := render(jen.Add(fieldCtor(f, jen.Id("v")))); got != want {
			t.Errorf("%s: %s, want %s", c.t, got, want)
		}
	}
}
