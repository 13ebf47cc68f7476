package templates

import (
	"go/token"
	"go/types"
	"strconv"
)

// names allocates identifiers that clash with nothing already taken. A
// scope sees its parent's names without copying them, so a method's scope
// costs only the names it adds.
type names struct {
	parent *names
	own    map[string]bool
}

func newNames(parent *names) *names { return &names{parent: parent, own: map[string]bool{}} }

func (n *names) taken(name string) bool {
	for s := n; s != nil; s = s.parent {
		if s.own[name] {
			return true
		}
	}
	return token.IsKeyword(name)
}

func (n *names) add(name string) { n.own[name] = true }

// fresh returns base, or base followed by the smallest number from start
// that is free, and marks it taken.
func (n *names) fresh(base string, start int) string {
	name := base
	for i := start; n.taken(name); i++ {
		name = base + strconv.Itoa(i)
	}
	n.add(name)
	return name
}

// first returns the first candidate that is free, or the last one with a
// number, and marks it taken.
func (n *names) first(candidates ...string) string {
	for _, c := range candidates {
		if !n.taken(c) {
			n.add(c)
			return c
		}
	}
	return n.fresh(candidates[len(candidates)-1], 2)
}

// universeNames are the predeclared identifiers, which generated code may
// use unqualified (error, nil, string...) and so must never shadow.
var universeNames = func() *names {
	n := newNames(nil)
	for _, name := range types.Universe.Names() {
		n.add(name)
	}
	return n
}()

// packageNames are universeNames plus a package's own top-level names.
func packageNames(pkg *types.Package) *names {
	n := newNames(universeNames)
	for _, name := range pkg.Scope().Names() {
		n.add(name)
	}
	return n
}
