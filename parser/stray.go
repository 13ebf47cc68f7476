package parser

import (
	"go/ast"
	"go/token"
)

// reportStray reports directives that no interface consumed.
func (r *reader) reportStray(f *ast.File, used map[*ast.Comment]bool) {
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if !isDirective(c.Text) || used[c] {
				continue
			}
			r.diags.add(r.fset.Position(c.Slash), "baldur annotations apply to interface methods and interface declarations, not to %s", attachedTo(f, cg))
		}
	}
}

// attachedTo describes the declaration a comment group documents.
func attachedTo(f *ast.File, cg *ast.CommentGroup) string {
	what := "free-standing comments"
	if f.Doc == cg {
		return "the package clause"
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Doc == cg {
				what = "a func"
				if n.Recv != nil {
					what = "a method of a concrete type"
				}
			}
		case *ast.GenDecl:
			if n.Doc == cg {
				what = "a " + n.Tok.String() + " declaration"
				if ts, ok := n.Specs[0].(*ast.TypeSpec); ok && n.Tok == token.TYPE {
					what = typeKind(ts)
				}
			}
		case *ast.TypeSpec:
			if n.Doc == cg {
				what = typeKind(n)
			}
		case *ast.ValueSpec:
			if n.Doc == cg {
				what = "a var or const"
			}
		case *ast.Field:
			if n.Doc == cg {
				what = "a struct field"
			}
		}
		return true
	})
	return what
}

func typeKind(ts *ast.TypeSpec) string {
	switch ts.Type.(type) {
	case *ast.StructType:
		return "a struct type (" + ts.Name.Name + ")"
	case *ast.InterfaceType:
		return "an interface declared inside a function (" + ts.Name.Name + ")"
	}
	return "a non-interface type (" + ts.Name.Name + ")"
}
