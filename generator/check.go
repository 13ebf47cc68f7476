package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Drift is how the files on disk differ from what generation produces.
type Drift struct {
	// Stale files exist and differ; Diffs holds a unified diff for each.
	Stale []string
	Diffs map[string]string
	// Missing files would be created; Orphans would be removed.
	Missing []string
	Orphans []string
}

// Empty reports whether the files on disk are up to date.
func (d *Drift) Empty() bool {
	return len(d.Stale) == 0 && len(d.Missing) == 0 && len(d.Orphans) == 0
}

// Check compares r with the files on disk without writing anything. dir
// is the directory paths in diffs are made relative to.
func (r *Result) Check(dir string) (*Drift, error) {
	d := &Drift{Diffs: map[string]string{}, Orphans: r.Orphans}
	for _, f := range r.Files {
		old, err := os.ReadFile(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.Missing = append(d.Missing, f.Path)
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Content):
			rel := Relative(f.Path, dir)
			d.Stale = append(d.Stale, f.Path)
			d.Diffs[f.Path] = unifiedDiff("a/"+rel, "b/"+rel, string(old), string(f.Content))
		}
	}
	return d, nil
}

// Report prints the drift as baldurgen check does: a unified diff per stale
// file, then the missing and orphaned ones, with paths relative to dir.
func (d *Drift) Report(w io.Writer, dir string) {
	for _, p := range d.Stale {
		fmt.Fprintf(w, "stale: %s\n%s", Relative(p, dir), d.Diffs[p])
	}
	for _, p := range d.Missing {
		fmt.Fprintf(w, "missing: %s\n", Relative(p, dir))
	}
	for _, p := range d.Orphans {
		fmt.Fprintf(w, "orphaned: %s (its interfaces are gone)\n", Relative(p, dir))
	}
}
