// Package templates turns the parser's model into Go source with
// github.com/dave/jennifer: one file per construct (imports, type
// expressions, the decorator type and constructor, method bodies).
//
// Every identifier the output declares is allocated against the names it
// could shadow, and every annotation value reaches the output as a typed
// object (a resolved identifier, an integer, a duration) or a quoted
// string literal, never as raw text.
//
// The package is internal to baldurgen: it exports only what the other
// packages of the toolchain need, and makes no compatibility promise. Use
// the baldurgen command; generated code imports only the runtime.
package templates
