// Package errors is the second package named errors.
package errors

// Code is a type of this package used in a signature, beside the other
// package's Code.
type Code string

// Fatal is a constant error: a string type with an Error method.
type Fatal string

func (f Fatal) Error() string { return string(f) }

// ErrFatal is never retried by the imports case.
const ErrFatal = Fatal("b: fatal")
