package parser

import (
	"go/ast"
	"go/importer"
	goparser "go/parser"
	"go/token"
	"go/types"
	"testing"
)

const codecSrc = `package p

import "time"

type Node struct {
	Name string
	Next *Node
	Kids []Node
}

type loop struct {
	Self *loop
	n    int
}

type Opaque struct{ n int }

func (Opaque) MarshalJSON() ([]byte, error) { return nil, nil }
func (*Opaque) UnmarshalJSON([]byte) error { return nil }

type Text struct{ n int }

func (Text) MarshalText() ([]byte, error) { return nil, nil }

type Key struct{ n int }

func (Key) MarshalText() ([]byte, error) { return nil, nil }
func (*Key) UnmarshalText([]byte) error  { return nil }

type Hidden struct {
	Public  string
	private string
}

type Skipped struct {
	Public string
	Secret Hidden ` + "`json:\"-\"`" + `
}

var (
	node      Node
	looped    loop
	opaque    Opaque
	text      Text
	byKey     map[Key]int
	byText    map[Text]int
	byFloat   map[float64]int
	hidden    []map[string]*Hidden
	skipped   Skipped
	when      time.Time
	anything  any
	callback  func()
	generic   struct{ Values [3]Hidden }
)
`

func TestCodecProblem(t *testing.T) {
	fset := token.NewFileSet()
	f, err := goparser.ParseFile(fset, "p.go", codecSrc, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.ForCompiler(fset, "source", nil)}).Check("p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		v              string
		encode, decode string
	}{
		{"node", "", ""},
		{"looped", "loop has unexported field n and no MarshalJSON or MarshalText", "loop has unexported field n and no MarshalJSON or MarshalText"},
		{"opaque", "", ""},
		{"text", "", "Text has MarshalText but no UnmarshalJSON or UnmarshalText to read it back"},
		{"byKey", "", ""},
		{"byText", "", "map keys of type Text have MarshalText but no UnmarshalText to read them back"},
		{"byFloat", "JSON cannot encode map keys of type float64: a key must be a string, an integer or an encoding.TextMarshaler", "JSON cannot encode map keys of type float64: a key must be a string, an integer or an encoding.TextMarshaler"},
		{"hidden", "Hidden has unexported field private and no MarshalJSON or MarshalText", "Hidden has unexported field private and no MarshalJSON or MarshalText"},
		{"skipped", "", ""},
		{"when", "", ""},
		{"anything", "", "JSON cannot decode into an interface (any)"},
		{"callback", "JSON cannot encode a func (func())", "JSON cannot encode a func (func())"},
		{"generic", "field struct{Values [3]Hidden}.Values: Hidden has unexported field private and no MarshalJSON or MarshalText", "field struct{Values [3]Hidden}.Values: Hidden has unexported field private and no MarshalJSON or MarshalText"},
	} {
		typ := pkg.Scope().Lookup(tt.v).Type()
		if got := codecProblem(typ, false, pkg); got != tt.encode {
			t.Errorf("encode %s: %q, want %q", tt.v, got, tt.encode)
		}
		if got := codecProblem(typ, true, pkg); got != tt.decode {
			t.Errorf("decode %s: %q, want %q", tt.v, got, tt.decode)
		}
	}
}
