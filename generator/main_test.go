package generator_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestMain reads every file under testdata/ once. The cases are loaded by
// the go command in a subprocess, whose reads the test cache cannot see;
// opening them here makes an edited input invalidate a cached pass.
func TestMain(m *testing.M) {
	_ = filepath.WalkDir(filepath.Join("..", "testdata"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			_, _ = os.ReadFile(p)
		}
		return nil
	})
	os.Exit(m.Run())
}
