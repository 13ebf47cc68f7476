package parser

import (
	goparser "go/parser"
	"go/token"
	"testing"
)

func TestSourceConstraint(t *testing.T) {
	for _, tt := range []struct{ file, line, want string }{
		{"net.go", "", ""},
		{"linux.go", "", ""}, // a name alone is no constraint
		{"net_linux.go", "", "//go:build linux"},
		{"net_arm64.go", "", "//go:build arm64"},
		{"pipe_windows_amd64.go", "", "//go:build windows && amd64"},
		{"net_linux_test.go", "", "//go:build linux"},
		{"net_test.go", "", ""},
		{"my_file_name.go", "", ""},
		{"x_linux.pb.go", "", "//go:build linux"},
		{"net_linux.go", "//go:build amd64 || arm64", "//go:build linux && (amd64 || arm64)"},
		{"net_linux.go", "//go:build linux", "//go:build linux"},
		{"net_linux.go", "//go:build linux && cgo", "//go:build linux && cgo"},
		{"net.go", "//go:build special", "//go:build special"},
	} {
		src := "package p\n"
		if tt.line != "" {
			src = tt.line + "\n\n" + src
		}
		f, err := goparser.ParseFile(token.NewFileSet(), tt.file, src, goparser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if got := sourceConstraint(f, "/m/p/"+tt.file); got != tt.want {
			t.Errorf("%s with %q: %q, want %q", tt.file, tt.line, got, tt.want)
		}
	}
}
