// Package errors is one of two packages named errors that the imports case
// uses together.
package errors

import "errors"

// ErrTransient is retried by the imports case.
var ErrTransient = errors.New("a: transient")

// Code is a type of this package used in a signature.
type Code int
