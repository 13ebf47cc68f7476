package parser

// DeadLetter is what a method annotated with dlq needs generated: the
// codec type of its arguments, and the signature that tells a letter
// written from other types apart.
type DeadLetter struct {
	// ArgsType is the package-level type holding every argument but the
	// context; one per method, named so that it clashes with nothing.
	ArgsType string
	// Params are the indexes of the parameters it holds, in order.
	Params []int
	// Signature hashes the encoded parameters' names and types.
	Signature string
}
