package generator_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/generator"
	"github.com/baldur-go/baldur/parser"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func testdata(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// caseDirs lists testdata/<group>/<case> directories.
func caseDirs(t *testing.T, group string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(testdata(t), group))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(testdata(t), group, e.Name()))
		}
	}
	return dirs
}

// TestGolden regenerates every good case in memory and diffs the result
// with the generated files checked in beside the inputs.
func TestGolden(t *testing.T) {
	root := testdata(t)
	res, err := generator.Generate(generator.Options{Dir: root, Patterns: []string{"./golden/..."}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		var b bytes.Buffer
		generator.Report(&b, res.Diagnostics, root)
		t.Fatalf("good cases reported problems:\n%s", b.String())
	}
	if *update {
		if _, err := res.Write(); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string][]byte{}
	for _, f := range res.Files {
		got[f.Path] = f.Content
	}
	for _, dir := range caseDirs(t, "golden") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			onDisk, _ := filepath.Glob(filepath.Join(dir, "*_baldur.go"))
			var produced []string
			for p := range got {
				if filepath.Dir(p) == dir {
					produced = append(produced, p)
				}
			}
			slices.Sort(produced)
			if diff := cmp.Diff(onDisk, produced); diff != "" {
				t.Fatalf("generated files differ from those checked in (-want +got):\n%s", diff)
			}
			if len(produced) == 0 {
				t.Fatal("case generates nothing")
			}
			for _, p := range produced {
				want, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), string(got[p])); diff != "" {
					t.Errorf("%s is stale; run go test ./generator -update (-want +got):\n%s", filepath.Base(p), diff)
				}
			}
		})
	}
	if len(res.Orphans) > 0 {
		t.Errorf("orphaned generated files: %v", res.Orphans)
	}
}

// TestGoldenCompiles type-checks every good case with its generated file,
// so a golden file that does not compile fails here, not only in make test.
func TestGoldenCompiles(t *testing.T) {
	cfg := &packages.Config{Mode: generator.LoadMode, Dir: testdata(t)}
	pkgs, err := packages.Load(cfg, "./golden/...")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Errorf("%s: %v", p.PkgPath, e)
		}
	}
}

// TestGoldenReadsHandWritten holds the generated files to what a reviewer
// would ask of hand-written Go: no local that shadows another (but the
// attempt closure's context, which must replace the caller's), no empty
// struct types declared for nothing, struct tags in backquotes.
func TestGoldenReadsHandWritten(t *testing.T) {
	root := filepath.Dir(testdata(t))
	files := 0
	for dir, pattern := range map[string]string{testdata(t): "./golden/...", root: "./examples/...", filepath.Join(root, "bench"): "./svc"} {
		pkgs, err := packages.Load(&packages.Config{Mode: generator.LoadMode, Dir: dir}, pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			for _, e := range p.Errors {
				t.Errorf("%s: %v", p.PkgPath, e)
			}
			for _, f := range p.Syntax {
				if strings.HasSuffix(p.Fset.Position(f.Package).Filename, "_baldur.go") {
					readsHandWritten(t, p, f)
					files++
				}
			}
		}
	}
	if files < 10 {
		t.Errorf("only %d generated files read", files)
	}
}

func readsHandWritten(t *testing.T, p *packages.Package, f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			v, ok := p.TypesInfo.Defs[n].(*types.Var)
			if !ok || v.IsField() || v.Parent() == nil || v.Parent() == p.Types.Scope() {
				return true
			}
			_, outer := v.Parent().Parent().LookupParent(v.Name(), v.Pos())
			if o, ok := outer.(*types.Var); ok && o.Parent() != p.Types.Scope() && !isContext(v.Type()) {
				t.Errorf("%s: %s shadows the %s declared at %s", p.Fset.Position(n.Pos()), v.Name(), v.Name(), p.Fset.Position(o.Pos()))
			}
		case *ast.TypeSpec:
			if st, ok := n.Type.(*ast.StructType); ok && st.Fields.NumFields() == 0 {
				t.Errorf("%s: type %s struct{} declares nothing", p.Fset.Position(n.Pos()), n.Name.Name)
			}
		case *ast.Field:
			if n.Tag != nil && !strings.HasPrefix(n.Tag.Value, "`") {
				t.Errorf("%s: struct tag %s is not in backquotes", p.Fset.Position(n.Tag.Pos()), n.Tag.Value)
			}
		}
		return true
	})
}

func isContext(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// TestBad runs every bad case and compares the diagnostics, relative to
// the case directory, with want/stderr.txt. Nothing may be produced.
func TestBad(t *testing.T) {
	res, err := generator.Generate(generator.Options{Dir: testdata(t), Patterns: []string{"./bad/..."}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) > 0 || len(res.Orphans) > 0 {
		t.Fatalf("a run with problems produced files: %d files, %d orphans", len(res.Files), len(res.Orphans))
	}
	compareCases(t, "bad", res.Diagnostics)
}

// TestLint compares what baldurgen lint reports for every lint case, errors
// and policy-plan warnings together, with want/stderr.txt.
func TestLint(t *testing.T) {
	res, err := generator.Generate(generator.Options{Dir: testdata(t), Patterns: []string{"./lint/..."}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		t.Errorf("lint cases must be valid, with warnings only: %v", res.Diagnostics)
	}
	// A case with a baldur.yaml is also linted as with --config.
	diags := res.Warnings
	for _, dir := range caseDirs(t, "lint") {
		path := filepath.Join(dir, "baldur.yaml")
		if data, err := os.ReadFile(path); err == nil {
			diags = append(diags, res.CheckConfig(path, data)...)
		}
	}
	compareCases(t, "lint", diags)
}

// compareCases checks the diagnostics of each testdata/<group>/<case>
// against its want/stderr.txt, rewriting it with -update.
func compareCases(t *testing.T, group string, diags []parser.Diagnostic) {
	for _, dir := range caseDirs(t, group) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var mine []parser.Diagnostic
			for _, d := range diags {
				// A case may hold packages below its directory too.
				if strings.HasPrefix(d.Pos.Filename, dir+string(filepath.Separator)) {
					mine = append(mine, d)
				}
			}
			var b bytes.Buffer
			generator.Report(&b, mine, dir)
			got := b.String()
			wantPath := filepath.Join(dir, "want", "stderr.txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(wantPath), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(wantPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			if got == "" {
				t.Fatal("the case reported nothing")
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDrift checks what baldurgen check reports for each testdata/drift
// case, whose generated files are stale on purpose, against
// want/stdout.txt.
func TestDrift(t *testing.T) {
	for _, dir := range caseDirs(t, "drift") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, err := generator.Generate(generator.Options{Dir: dir})
			if err != nil || len(res.Diagnostics) > 0 {
				t.Fatalf("%v %v", err, res.Diagnostics)
			}
			drift, err := res.Check(dir)
			if err != nil {
				t.Fatal(err)
			}
			if drift.Empty() {
				t.Fatal("no drift reported")
			}
			var b bytes.Buffer
			drift.Report(&b, dir)
			wantPath := filepath.Join(dir, "want", "stdout.txt")
			if *update {
				os.MkdirAll(filepath.Dir(wantPath), 0o755)
				os.WriteFile(wantPath, b.Bytes(), 0o644)
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("check output differs (-want +got):\n%s", diff)
			}
		})
	}
}
