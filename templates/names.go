package templates

import (
	"go/token"
	"go/types"
	"strconv"
)

// names allocates identifiers that clash with nothing already taken.
type names map[string]bool

func (n names) clone() names {
	c := make(names, len(n))
	for k := range n {
		c[k] = true
	}
	return c
}

// fresh returns base, or base followed by the smallest number from start
// that is free, and marks it taken.
func (n names) fresh(base string, start int) string {
	name := base
	for i := start; n[name] || token.IsKeyword(name); i++ {
		name = base + strconv.Itoa(i)
	}
	n[name] = true
	return name
}

// first returns the first candidate that is free, or the last one with a
// number, and marks it taken.
func (n names) first(candidates ...string) string {
	for _, c := range candidates {
		if !n[c] && !token.IsKeyword(c) {
			n[c] = true
			return c
		}
	}
	return n.fresh(candidates[len(candidates)-1], 2)
}

// universe are the predeclared identifiers, which generated code may use
// unqualified (error, nil, string...) and so must never shadow.
func universe() names {
	n := names{}
	for _, name := range types.Universe.Names() {
		n[name] = true
	}
	return n
}
