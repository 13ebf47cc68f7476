package generator_test

import (
	"bytes"
	"os/exec"
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
