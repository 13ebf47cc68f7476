package generator

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// Write writes every file that changed, each atomically, and removes the
// orphans. It returns the paths it wrote or removed.
func (r *Result) Write() (changed []string, err error) {
	if len(r.Diagnostics) > 0 {
		return nil, errors.New("generator: refusing to write a result with diagnostics")
	}
	for _, f := range r.Files {
		old, rerr := os.ReadFile(f.Path)
		if rerr == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := writeAtomic(f.Path, f.Content); err != nil {
			return changed, err
		}
		changed = append(changed, f.Path)
	}
	for _, o := range r.Orphans {
		if err := os.Remove(o); err != nil && !errors.Is(err, os.ErrNotExist) {
			return changed, err
		}
		changed = append(changed, o)
	}
	return changed, nil
}

// writeAtomic writes through a temporary file in the same directory and
// renames it into place, so a reader never sees half a file.
func writeAtomic(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baldurgen-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
