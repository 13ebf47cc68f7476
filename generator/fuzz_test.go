package generator_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/generator"
	bparser "github.com/baldur-go/baldur/parser"
	"github.com/baldur-go/baldur/templates"
)

// fuzzSource is the package every fuzz input is annotated into; %s is the
// text after //baldur:protected on Get.
const fuzzSource = `package fz

import (
	"context"
	"errors"
	"io"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

var ErrA = errors.New("a")

const ErrB = constErr("b")

type constErr string

func (e constErr) Error() string { return string(e) }

var _ = io.EOF
var _ = time.Second
var _ baldur.Spec

func fb(ctx context.Context, id string, err error) (string, error) { return "", nil }

func fbSlice(ctx context.Context, id string, n []int, err error) (string, error) { return "", nil }

func cl(pc baldur.PolicyContext, err error) baldur.Decision { return baldur.DecideDefault }

func judge(pc baldur.PolicyContext, s string, err error) baldur.Decision { return baldur.DecideDefault }

type Svc interface {
	//baldur:protected %s
	Get(ctx context.Context, id string, n ...int) (string, error)
	Put(ctx context.Context, r io.Reader) error
}
`

var fuzzImports = sync.OnceValues(func() (map[string]*types.Package, error) {
	dir, err := os.MkdirTemp("", "baldurfuzz")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) // the loaded types outlive their files
	root, _ := filepath.Abs("..")
	mod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	_, requires, _ := strings.Cut(string(mod), "\nrequire")
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module fz\n\ngo 1.26.0\n\nrequire github.com/baldur-go/baldur v0.0.0\n\nrequire"+requires+"\nreplace github.com/baldur-go/baldur => "+root+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	os.WriteFile(filepath.Join(dir, "fz.go"), []byte(fmt.Sprintf(fuzzSource, "retry")), 0o644)
	pkgs, err := packages.Load(&packages.Config{Mode: generator.LoadMode, Dir: dir}, ".")
	if err != nil {
		return nil, err
	}
	if len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		return nil, fmt.Errorf("loading the fuzz template: %v", pkgs[0].Errors)
	}
	imports := map[string]*types.Package{}
	for _, p := range pkgs[0].Types.Imports() {
		imports[p.Path()] = p
	}
	return imports, nil
})

type mapImporter map[string]*types.Package

func (m mapImporter) Import(path string) (*types.Package, error) {
	if p := m[path]; p != nil {
		return p, nil
	}
	return importer.Default().Import(path)
}

// typeCheck parses and checks files as package fz.
func typeCheck(fset *token.FileSet, imports map[string]*types.Package, srcs map[string]string) (*types.Package, *types.Info, []*ast.File, error) {
	var files []*ast.File
	for name, src := range srcs {
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Implicits: map[ast.Node]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{}}
	pkg, err := (&types.Config{Importer: mapImporter(imports)}).Check("fz", fset, files, info)
	return pkg, info, files, err
}

// FuzzGenerate feeds arbitrary annotation text through the whole
// pipeline. Whatever is accepted must render to Go that parses,
// type-checks with its input and declares exactly the decorator's
// top-level names: no annotation value can inject code (docs/reliability.md, X7).
func FuzzGenerate(f *testing.F) {
	for _, s := range []string{
		"retry", "name=charge-customer retry=3 breaker=gateway timeout=250ms fallback=fbSlice retry_on=ErrA,io.EOF abort_on=ErrB ignore=ErrA",
		`name="x\"); os.Exit(1) //"`, "fallback=fb", `retry_on="ErrA, io.ErrUnexpectedEOF"`, "timeout=1h2m3s4ms5us6ns",
		"breaker=a.b-c_d idempotent", "name=`*/ func init() {}`", "retry=off", "retry=100 timeout=24h",
		"idempotency_key=id idempotency_ttl=1h retry", `idempotency_key="id" fallback=fbSlice`,
		"dlq", "dlq idempotency_key=id fallback=fbSlice classify=judge", "context=key:id classify=cl sensitive=n",
		"breaker=b breaker_key=id", `context="x:id, y:id"`, "breaker_key=id",
	} {
		f.Add(s)
	}
	imports, err := fuzzImports()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ann string) { pipeline(t, imports, ann) })
}

// TestPipelineHarness makes sure the fuzz target reaches the end of the
// pipeline for valid annotations and stops early for rejected ones.
func TestPipelineHarness(t *testing.T) {
	imports, err := fuzzImports()
	if err != nil {
		t.Fatal(err)
	}
	for ann, accepted := range map[string]bool{
		"retry": true, "idempotency_key=id retry=2 fallback=fbSlice": true, "dlq idempotency_key=id classify=judge": true,
		"context=key:id classify=cl breaker breaker_key=key": true, "breaker_key=id": false, "name=charge-customer retry=3 breaker=gateway timeout=250ms fallback=fbSlice retry_on=ErrA,io.EOF abort_on=ErrB ignore=ErrA": true,
		`name="x\"); os.Exit(1) //"`: false, "fallback=fb": false, "retry=0": false,
	} {
		if got := pipeline(t, imports, ann); got != accepted {
			t.Errorf("%q: accepted %v, want %v", ann, got, accepted)
		}
	}
}

// pipeline runs ann through read, render, parse and type-check, failing t
// on any broken promise; it reports whether the annotation was accepted.
func pipeline(t *testing.T, imports map[string]*types.Package, ann string) bool {
	{
		if strings.ContainsAny(ann, "\r\n") {
			return false // a line comment ends at the newline; the rest would not be a comment
		}
		src := fmt.Sprintf(fuzzSource, ann)
		fset := token.NewFileSet()
		tpkg, info, files, err := typeCheck(fset, imports, map[string]string{"/fz/fz.go": src})
		if err != nil {
			return false // the text broke the Go file itself
		}
		p := &packages.Package{ID: "fz", Name: "fz", PkgPath: "fz", GoFiles: []string{"/fz/fz.go"}, CompiledGoFiles: []string{"/fz/fz.go"},
			Types: tpkg, TypesInfo: info, Syntax: files, Fset: fset}
		model, diags := bparser.Read(fset, []*packages.Package{p})
		if errs, _ := diags.Split(); len(errs) > 0 {
			return false // rejected with a diagnostic: fine
		}
		if len(model) != 1 || len(model[0].Files) != 1 {
			t.Fatalf("accepted %q but produced %d packages", ann, len(model))
		}
		out, err := templates.Render(model[0], model[0].Files[0], "fz.go")
		if err != nil {
			t.Fatalf("accepted %q but rendering failed: %v", ann, err)
		}
		gen, err := parser.ParseFile(token.NewFileSet(), "fz_baldur.go", out, 0)
		if err != nil {
			t.Fatalf("accepted %q but the output does not parse: %v\n%s", ann, err, out)
		}
		var decls []string
		for _, d := range gen.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						decls = append(decls, "type "+s.Name.Name)
					case *ast.ValueSpec:
						decls = append(decls, d.Tok.String()+" "+s.Names[0].Name)
					}
				}
			case *ast.FuncDecl:
				decls = append(decls, "func "+d.Name.Name)
			}
		}
		want := "type SvcProtected,func NewSvcProtected,var _,func Get,func Put"
		if dl := model[0].Files[0].Interfaces[0].Methods[0].Policy.DeadLetter; dl != nil {
			want = "type SvcProtected,func NewSvcProtected,var _,type " + dl.ArgsType + ",func Get,func getProtected,func replayGet,func Put"
		}
		if got := strings.Join(decls, ","); got != want {
			t.Fatalf("accepted %q; output declares %s, want %s\n%s", ann, got, want, out)
		}
		if _, _, _, err := typeCheck(token.NewFileSet(), imports, map[string]string{"/fz/fz.go": src, "/fz/fz_baldur.go": string(out)}); err != nil {
			t.Fatalf("accepted %q but the output does not type-check: %v\n%s", ann, err, out)
		}
		return true
	}
}
