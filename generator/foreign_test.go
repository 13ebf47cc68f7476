package generator_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baldur-go/baldur/generator"
)

// TestRedisCmdable decorates go-redis v9's Cmdable, hundreds of methods
// with variadics and types of its own package, from a baldurgen.yaml, and
// builds the result.
func TestRedisCmdable(t *testing.T) {
	dir := synthesize(t, t.TempDir(), 0, 0, 0)
	write := func(name, content string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cache/cache.go", "// Package cache wraps a Redis client.\npackage cache\n\nimport \"github.com/redis/go-redis/v9\"\n\nvar _ redis.Cmdable = (*redis.Client)(nil)\n")
	write("cache/baldurgen.yaml", `decorate:
  - interface: github.com/redis/go-redis/v9.Cmdable
    methods:
      "*": retry=2 breaker=redis idempotent
`)
	start := time.Now()
	res, err := generator.Generate(generator.Options{Dir: dir, Patterns: []string{"./cache"}})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if len(res.Diagnostics) > 0 {
		var b bytes.Buffer
		generator.Report(&b, res.Diagnostics, dir)
		t.Fatalf("problems:\n%s", b.String())
	}
	if len(res.Files) != 1 {
		t.Fatalf("%d files", len(res.Files))
	}
	src := string(res.Files[0].Content)
	methods, protected := strings.Count(src, "\nfunc (d *CmdableProtected) "), strings.Count(src, ".Do(")
	t.Logf("Cmdable: %d methods (%d protected), %d lines, generated in %v", methods, protected, strings.Count(src, "\n"), elapsed)
	if methods < 200 {
		t.Errorf("only %d methods decorated", methods)
	}
	if _, err := res.Write(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./cache")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Cmdable decorator does not vet: %v\n%s", err, out)
	}
}
