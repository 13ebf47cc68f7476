package templates

import (
	"fmt"
	"go/token"
	"go/types"
	"testing"

	"github.com/dave/jennifer/jen"
)

func render(c jen.Code) string { return fmt.Sprintf("%#v", c) }

func TestTagLit(t *testing.T) {
	for tag, want := range map[string]string{
		`json:"name,omitempty"`:  "`json:\"name,omitempty\"`",
		`json:"a" yaml:"b"`:      "`json:\"a\" yaml:\"b\"`",
		"a`b":                    `"a` + "`" + `b"`,
		"line\r\nbreak":          `"line\r\nbreak"`,
		"bad \xff":               `"bad \xff"`,
		"tab\there is fine, too": "`tab\there is fine, too`",
	} {
		if got := render(tagLit(tag)); got != want {
			t.Errorf("tagLit(%q) = %s, want %s", tag, got, want)
		}
	}
}

func TestZeroValue(t *testing.T) {
	pkg := types.NewPackage("example.com/p", "p")
	named := func(name string, u types.Type) types.Type {
		return types.NewNamed(types.NewTypeName(token.NoPos, pkg, name, nil), u, nil)
	}
	tp := types.NewTypeParam(types.NewTypeName(token.NoPos, pkg, "T", nil), types.NewInterfaceType(nil, nil))
	for _, tt := range []struct {
		t    types.Type
		want string
	}{
		{types.Typ[types.Bool], "false"},
		{types.Typ[types.Int64], "0"},
		{types.Typ[types.Float64], "0"},
		{named("OrderID", types.Typ[types.String]), `""`},
		{types.NewPointer(types.Typ[types.Int]), "nil"},
		{types.NewSlice(types.Typ[types.Int]), "nil"},
		{types.NewMap(types.Typ[types.String], types.Typ[types.Int]), "nil"},
		{types.Universe.Lookup("error").Type(), "nil"},
		{types.Typ[types.UnsafePointer], "nil"},
		{named("Receipt", types.NewStruct(nil, nil)), "p.Receipt{}"},
		{types.NewArray(types.Typ[types.Byte], 4), "[4]uint8{}"},
		{tp, "*new(T)"},
	} {
		if got := render(zeroValue(tt.t, pkg)); got != tt.want {
			t.Errorf("zeroValue(%s) = %s, want %s", tt.t, got, tt.want)
		}
	}
}
