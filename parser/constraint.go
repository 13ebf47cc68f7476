package parser

import (
	"go/ast"
	"go/build/constraint"
	"path/filepath"
	"strings"
)

// The generated file of a source must be built exactly when the source is:
// it carries the source's //go:build line and, as an explicit line too,
// what the source's name says (net_linux.go is built only for linux). The
// output keeps the <source>_baldur.go name, which by Go's rules constrains
// nothing, so the constraint is written out.

// knownOS and knownArch are the name suffixes go/build reads as
// constraints (internal/syslist).
var (
	knownOS   = set("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos")
	knownArch = set("386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le " +
		"ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm")
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// nameConstraint is what a file's name constrains, as go/build reads it:
// *_GOOS, *_GOARCH or *_GOOS_GOARCH before .go (and before _test, which is
// no constraint); nil for a name that constrains nothing.
func nameConstraint(path string) constraint.Expr {
	name, _, _ := strings.Cut(filepath.Base(path), ".")
	i := strings.Index(name, "_")
	if i < 0 {
		return nil // linux.go is not constrained, only x_linux.go
	}
	l := strings.Split(name[i:], "_")
	if n := len(l); l[n-1] == "test" {
		l = l[:n-1]
	}
	n := len(l)
	if n >= 2 && knownOS[l[n-2]] && knownArch[l[n-1]] {
		return &constraint.AndExpr{X: &constraint.TagExpr{Tag: l[n-2]}, Y: &constraint.TagExpr{Tag: l[n-1]}}
	}
	if n >= 1 && (knownOS[l[n-1]] || knownArch[l[n-1]]) {
		return &constraint.TagExpr{Tag: l[n-1]}
	}
	return nil
}

// sourceConstraint is the //go:build line the output of f must carry: the
// source's own line, and what its name says; "" for neither.
func sourceConstraint(f *ast.File, path string) string {
	line := goBuildLine(f)
	byName := nameConstraint(path)
	if byName == nil {
		return line
	}
	if line == "" {
		return "//go:build " + byName.String()
	}
	own, err := constraint.Parse(line)
	if err != nil || implied(own, byName) {
		return line // the type checker reports a bad line
	}
	return "//go:build " + (&constraint.AndExpr{X: byName, Y: own}).String()
}

// implied reports whether every tag term of want is already a conjunct of
// have, so that //go:build linux in net_linux.go is not written twice.
func implied(have, want constraint.Expr) bool {
	terms := map[string]bool{}
	var walk func(constraint.Expr)
	walk = func(e constraint.Expr) {
		switch e := e.(type) {
		case *constraint.AndExpr:
			walk(e.X)
			walk(e.Y)
		default:
			terms[e.String()] = true
		}
	}
	walk(have)
	ok := true
	var need func(constraint.Expr)
	need = func(e constraint.Expr) {
		if a, isAnd := e.(*constraint.AndExpr); isAnd {
			need(a.X)
			need(a.Y)
			return
		}
		ok = ok && terms[e.String()]
	}
	need(want)
	return ok
}

// goBuildLine returns the file's //go:build line, if any.
func goBuildLine(f *ast.File) string {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				return c.Text
			}
		}
	}
	return ""
}
