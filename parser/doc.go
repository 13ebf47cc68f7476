// Package parser reads //baldur: annotations.
//
// The grammar half (parseDirective) is pure: text in, positioned tokens
// out, no go/types. The model half (Read) walks packages loaded by
// golang.org/x/tools/go/packages, finds annotated interfaces, resolves
// every identifier an annotation names through go/types, and returns a
// model the templates render. Every problem is collected as a Diagnostic
// pointing at file:line:col; nothing stops at the first one.
//
// The package is internal to baldurgen: it exports only what the other
// packages of the toolchain need, and makes no compatibility promise. Use
// the baldurgen command; generated code imports only the runtime.
package parser
