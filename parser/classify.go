package parser

import "go/types"

// Classify is a resolved classify= function.
type Classify struct {
	Func *types.Func
	// Results: the function reads the method's results before the error,
	// so the decorator calls it inside each attempt (Policy.Judge); the
	// other form goes into Spec.Classify.
	Results bool
}
