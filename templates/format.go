package templates

import (
	"bytes"
	"go/parser"
	"go/token"
	"strings"

	"github.com/dave/jennifer/jen"
)

// groupImports splits the import block jennifer writes into the standard
// library, then everything else, as goimports would lay it out. The result
// is formatted by the caller.
func groupImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	if len(f.Imports) < 2 {
		return src, nil
	}
	var std, other []string
	for _, imp := range f.Imports {
		line := imp.Path.Value
		if imp.Name != nil {
			line = imp.Name.Name + " " + line
		}
		path := strings.Trim(imp.Path.Value, `"`)
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			other = append(other, line)
		} else {
			std = append(std, line)
		}
	}
	if len(std) == 0 || len(other) == 0 {
		return src, nil
	}
	start := fset.Position(f.Imports[0].Pos()).Offset
	end := fset.Position(f.Imports[len(f.Imports)-1].End()).Offset
	var b bytes.Buffer
	b.Write(src[:start])
	b.WriteString(strings.Join(std, "\n\t"))
	b.WriteString("\n\n\t")
	b.WriteString(strings.Join(other, "\n\t"))
	b.Write(src[end:])
	return b.Bytes(), nil
}

// comment writes text as // lines of at most 76 columns.
func comment(f *jen.File, text string) {
	for _, line := range wrap(text) {
		f.Comment(line)
	}
}

func wrap(text string) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 76 {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
