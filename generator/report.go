package generator

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/baldur-go/baldur/parser"
)

// Report prints diagnostics one per line as file:line:col: message, with
// file names relative to dir when they are inside it.
func Report(w io.Writer, diags parser.Diagnostics, dir string) {
	for _, d := range diags {
		d.Pos.Filename = Relative(d.Pos.Filename, dir)
		switch {
		case d.Pos.Filename == "":
			fmt.Fprintln(w, d.Text())
		case d.Pos.Line == 0:
			fmt.Fprintf(w, "%s: %s\n", d.Pos.Filename, d.Text())
		default:
			fmt.Fprintln(w, d.String())
		}
	}
}

// Relative is path relative to dir when path is inside dir, else path.
func Relative(path, dir string) string {
	if path == "" || dir == "" || !filepath.IsAbs(path) {
		return path
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}
