package templates

import (
	"bytes"
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/baldur-go/baldur/parser"
)

// Render returns the gofmt'd source of the generated file for f, whose
// path relative to its package directory is source.
func Render(pkg *parser.Package, f *parser.File, source string) ([]byte, error) {
	out := jen.NewFilePathName(pkg.Path, pkg.Name)
	out.HeaderComment(parser.Header)
	out.HeaderComment("// Source: " + source)
	imps := imports(pkg, f)
	register(out, imps)

	taken := newNames(packageNames(pkg.Types))
	for _, name := range imps {
		taken.add(name)
	}
	for _, iface := range f.Interfaces {
		for _, m := range iface.Methods {
			if m.Policy != nil && m.Policy.DeadLetter != nil {
				taken.add(m.Policy.DeadLetter.ArgsType)
			}
		}
	}
	for i, iface := range f.Interfaces {
		if i > 0 {
			out.Line()
		}
		d := newDecorator(pkg, iface, newNames(taken))
		d.emit(out)
	}
	var buf bytes.Buffer
	if err := out.Render(&buf); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", source, err)
	}
	src := buf.Bytes()
	if f.BuildConstraint != "" {
		// jennifer cannot leave a blank line between header comments, and
		// a constraint must be separated from the comments above it.
		src = bytes.Replace(src, []byte("// Source: "+source+"\n"), []byte("// Source: "+source+"\n\n"+f.BuildConstraint+"\n"), 1)
	}
	return groupImports(src)
}
