package generator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// LoadError is a broken setup rather than a problem in the annotations:
// the go command could not list the packages (a missing directory or
// module, a go.mod or go.sum it refuses). Messages are the go command's,
// whole, so that its advice ("to add: go get ...") survives.
type LoadError struct {
	Messages []string
}

func (e *LoadError) Error() string { return strings.Join(e.Messages, "\n") }

// setupErrors returns a *LoadError when the go command failed for one of
// pkgs. A failed listing shows as a package error without a compiler's
// "# pkg" header, or, for a dependency (a missing go.sum entry), only as a
// type error "could not import"; the go command's own words are then
// asked for once more, with DepsErrors, which go/packages keeps to itself.
func setupErrors(cfg *packages.Config, patterns []string, pkgs []*packages.Package) error {
	var msgs []string
	importFailed := false
	for _, p := range pkgs {
		for _, e := range p.Errors {
			switch {
			case e.Kind == packages.ListError && !strings.HasPrefix(e.Msg, "# "):
				msgs = append(msgs, withPos(e.Pos, e.Msg, cfg.Dir))
			case e.Kind == packages.TypeError && strings.Contains(e.Msg, "could not import "):
				importFailed = true
			}
		}
	}
	if len(msgs) == 0 && importFailed {
		msgs = depsErrors(cfg, patterns)
	}
	if len(msgs) == 0 {
		return nil
	}
	return &LoadError{Messages: dedupe(msgs)}
}

// depsErrors lists the errors the go command reports for the dependencies
// of the patterns' packages, or nothing if it reports none.
func depsErrors(cfg *packages.Config, patterns []string) []string {
	args := append([]string{"list", "-e", "-json=ImportPath,Error,DepsErrors"}, cfg.BuildFlags...)
	cmd := exec.Command("go", append(append(args, "--"), patterns...)...)
	cmd.Dir, cmd.Env = cfg.Dir, cfg.Env
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil && out.Len() == 0 {
		return nil
	}
	type listErr struct{ Pos, Err string }
	var msgs []string
	dec := json.NewDecoder(&out)
	for {
		var p struct {
			Error      *listErr
			DepsErrors []*listErr
		}
		if err := dec.Decode(&p); err != nil {
			if !errors.Is(err, io.EOF) {
				return msgs
			}
			break
		}
		for _, e := range append([]*listErr{p.Error}, p.DepsErrors...) {
			if e != nil {
				msgs = append(msgs, withPos(e.Pos, strings.TrimRight(e.Err, "\n"), cfg.Dir))
			}
		}
	}
	return msgs
}

// goCommandFailed turns go/packages' report of a go command that failed
// as a whole ("err: exit status 1: stderr: go: errors parsing go.mod: ...")
// into the go command's own words.
func goCommandFailed(err error) error {
	msg := err.Error()
	if _, stderr, ok := strings.Cut(msg, "stderr: "); ok && strings.HasPrefix(msg, "err: ") {
		msg = stderr
	}
	return &LoadError{Messages: []string{strings.TrimRight(msg, "\n")}}
}

// withPos writes a go command error as file:line:col: message, the file
// relative to dir (or the working directory) when it is inside it.
func withPos(pos, msg, dir string) string {
	if pos == "" || pos == "-" {
		return msg
	}
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if file, rest, ok := strings.Cut(pos, ":"); ok && filepath.IsAbs(file) {
		pos = Relative(file, dir) + ":" + rest
	}
	return pos + ": " + msg
}

func dedupe(msgs []string) []string {
	seen := map[string]bool{}
	out := msgs[:0]
	for _, m := range msgs {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
