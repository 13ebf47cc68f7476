package generator_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/baldur-go/baldur/generator"
)

// TestSynthesizedModule generates a mixed module, checks that the output is
// the same at GOMAXPROCS 1 and 2 and on a second run, and builds it.
func TestSynthesizedModule(t *testing.T) {
	dir := synthesize(t, t.TempDir(), 4, 4, 10)
	gen := func(procs int) *generator.Result {
		defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(procs))
		res, err := generator.Generate(generator.Options{Dir: dir, Patterns: []string{"./..."}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Diagnostics) > 0 {
			var b bytes.Buffer
			generator.Report(&b, res.Diagnostics, dir)
			t.Fatalf("synthesized module has problems:\n%s", b.String())
		}
		return res
	}
	one, two, again := gen(1), gen(2), gen(2)
	if len(one.Files) != 4 {
		t.Fatalf("%d files, want 4", len(one.Files))
	}
	for i := range one.Files {
		if !bytes.Equal(one.Files[i].Content, two.Files[i].Content) || !bytes.Equal(two.Files[i].Content, again.Files[i].Content) {
			t.Fatalf("%s differs between runs", one.Files[i].Path)
		}
	}
	if _, err := one.Write(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generated module does not vet: %v\n%s", err, out)
	}
}

// BenchmarkScale compares baldurgen on 30 packages x 10 interfaces x 10
// methods with a bare packages.Load of the same patterns in the same mode,
// which is the floor: generation cannot load less.
func BenchmarkScale(b *testing.B) {
	dir := synthesize(b, b.TempDir(), 30, 10, 10)
	// Warm the build cache so both sides read export data.
	if _, err := generator.Generate(generator.Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		b.Fatal(err)
	}
	b.Run("packages.Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := packages.Load(&packages.Config{Mode: generator.LoadMode, Dir: dir}, "./...")
			if err != nil || len(pkgs) != 30 {
				b.Fatal(err, len(pkgs))
			}
		}
	})
	b.Run("baldurgen", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := generator.Generate(generator.Options{Dir: dir, Patterns: []string{"./..."}})
			if err != nil || len(res.Files) != 30 || len(res.Diagnostics) > 0 {
				b.Fatal(err, len(res.Files), res.Diagnostics)
			}
		}
	})
}

// BenchmarkScaleProcess is BenchmarkScale as a user feels it: baldurgen
// ./... as a process, against a program that makes only the packages.Load
// baldurgen makes (same mode, same patterns), both in the same run and on
// the same files. "first" starts without generated files, so every file is
// rendered and written and the load has no generated code to check;
// "stale" starts with every generated file out of date, so every file is
// rendered and rewritten; "unchanged" starts with them current, the common
// case of go generate and baldurgen check.
func BenchmarkScaleProcess(b *testing.B) {
	dir := synthesize(b, b.TempDir(), 30, 10, 10)
	bin := b.TempDir()
	baldurgen := filepath.Join(bin, "baldurgen")
	if out, err := exec.Command("go", "build", "-o", baldurgen, "../cmd/baldurgen").CombinedOutput(); err != nil {
		b.Fatalf("building baldurgen: %v\n%s", err, out)
	}
	floor := buildFloor(b, filepath.Join(b.TempDir(), "floor"), filepath.Join(bin, "floor"))
	run := func(b *testing.B, prog string) {
		cmd := exec.Command(prog, "./...")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(prog), err, out)
		}
	}
	run(b, baldurgen) // warm the build cache: both sides read export data
	generated, _ := filepath.Glob(filepath.Join(dir, "*", "*_baldur.go"))
	current := map[string][]byte{}
	for _, f := range generated {
		current[f], _ = os.ReadFile(f)
	}
	states := map[string]func(b *testing.B){
		"first": func(b *testing.B) {
			for _, f := range generated {
				if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
					b.Fatal(err)
				}
			}
		},
		"stale": func(b *testing.B) {
			for _, f := range generated {
				if err := os.WriteFile(f, append(current[f], "\n// stale\n"...), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		},
		"unchanged": func(b *testing.B) {},
	}
	for _, state := range []string{"first", "stale", "unchanged"} {
		set := states[state]
		run(b, baldurgen)
		set(b)
		b.Run(state+"/packages.Load", func(b *testing.B) {
			for b.Loop() {
				run(b, floor)
			}
		})
		b.Run(state+"/baldurgen", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				set(b)
				b.StartTimer()
				run(b, baldurgen)
			}
		})
	}
}

// buildFloor builds, in its own module at dir, a program that loads ./...
// exactly as baldurgen does and does nothing else.
func buildFloor(b *testing.B, dir, out string) string {
	synthesize(b, dir, 0, 0, 0) // a module with the toolchain's requirements
	src := fmt.Sprintf(`package main

import (
	"log"

	"golang.org/x/tools/go/packages"
)

func main() {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.LoadMode(%d)}, "./...")
	if err != nil || len(pkgs) == 0 {
		log.Fatal(err, len(pkgs))
	}
}
`, generator.LoadMode)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the floor: %v\n%s", err, msg)
	}
	return out
}
