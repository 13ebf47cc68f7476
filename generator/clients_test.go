package generator_test

import (
	"go/ast"
	"go/types"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/generator"
	"github.com/baldur-go/baldur/parser"
)

// TestGeneratedClientShapes holds every generated method of a client shape,
// in the golden cases and the examples, to what issue 11 asks of it:
//
//   - a method whose result outlives the call never hands the wrapped call
//     the attempt's context: the attempt closure's context parameter is
//     unnamed, so the call can only use the caller's;
//   - a method that takes an *http.Request never hands the wrapped call the
//     caller's request, only an attempt's clone (a reused request carries a
//     consumed body).
func TestGeneratedClientShapes(t *testing.T) {
	root := filepath.Dir(testdata(t))
	checked := map[string]int{}
	for dir, pattern := range map[string]string{testdata(t): "./golden/...", root: "./examples/..."} {
		pkgs, err := packages.Load(&packages.Config{Mode: generator.LoadMode, Dir: dir}, pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			for _, f := range p.Syntax {
				if !strings.HasSuffix(p.Fset.Position(f.Package).Filename, "_baldur.go") {
					continue
				}
				for _, decl := range f.Decls {
					fd, ok := decl.(*ast.FuncDecl)
					if !ok || fd.Recv == nil {
						continue
					}
					fn, ok := p.TypesInfo.Defs[fd.Name].(*types.Func)
					if !ok {
						continue
					}
					sig := fn.Type().(*types.Signature)
					at := p.Fset.Position(fd.Pos())
					if i, _ := parser.Outlives(sig); i >= 0 && checkCallerContext(t, at.String(), fd) {
						checked["outlives"]++
					}
					if i := parser.RequestParam(sig); i >= 0 && checkClonedRequest(t, p, at.String(), fd, sig.Params().At(i)) {
						checked["request"]++
					}
				}
			}
		}
	}
	// The cases hold several of each: a check that sees none checks nothing.
	if checked["outlives"] < 5 || checked["request"] < 4 {
		t.Fatalf("checked %v; the golden cases and examples hold more", checked)
	}
}

// checkCallerContext reports whether fd has an attempt closure, and fails
// if that closure names its context parameter.
func checkCallerContext(t *testing.T, at string, fd *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Do" || len(call.Args) != 3 {
			return true
		}
		lit, ok := call.Args[2].(*ast.FuncLit)
		if !ok {
			return true
		}
		found = true
		if params := lit.Type.Params.List; len(params) != 1 || len(params[0].Names) != 0 {
			t.Errorf("%s: %s's attempt closure names its context: the result that outlives the call would be made with the attempt's", at, fd.Name.Name)
		}
		return false
	})
	return found
}

// checkClonedRequest reports whether fd is protected (it calls the wrapped
// value inside an attempt), and fails if the wrapped call gets the caller's
// request.
func checkClonedRequest(t *testing.T, p *packages.Package, at string, fd *ast.FuncDecl, req *types.Var) bool {
	param := paramObject(p, fd, req)
	protected := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			return true
		}
		protected = true
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != fd.Name.Name {
				return true
			}
			for _, a := range call.Args {
				if id, ok := a.(*ast.Ident); ok && p.TypesInfo.Uses[id] == param {
					t.Errorf("%s: %s hands the wrapped call the caller's request, not an attempt's clone", at, fd.Name.Name)
				}
			}
			return true
		})
		return false
	})
	return protected
}

// paramObject is the object of the generated method's parameter that
// corresponds to the interface's parameter req.
func paramObject(p *packages.Package, fd *ast.FuncDecl, req *types.Var) types.Object {
	for _, field := range fd.Type.Params.List {
		for _, name := range field.Names {
			if obj := p.TypesInfo.Defs[name]; obj != nil && types.Identical(obj.Type(), req.Type()) {
				return obj
			}
		}
	}
	return nil
}
