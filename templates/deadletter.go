package templates

import "github.com/dave/jennifer/jen"

// deadLettered renders a dlq method; see deadletter emission.
func (mt *method) deadLettered(g *jen.Group, c shape) {
	panic("baldurgen: dlq is not rendered yet")
}
