// Package generator orchestrates baldurgen: load the packages once with
// golang.org/x/tools/go/packages, read the annotated interfaces with
// package parser, render each file with package templates, then write the
// results atomically (or compare them with what is on disk).
//
// Nothing is written when any diagnostic was reported.
//
// The package is internal to baldurgen: it exports only what the other
// packages of the toolchain need, and makes no compatibility promise. Use
// the baldurgen command; generated code imports only the runtime.
package generator
