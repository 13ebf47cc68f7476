package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how a test ended. Its embedded testing.TB is nil, so any
// method the package is not expected to call (Log, Error...) panics: the
// package prints nothing but its one line.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	line            string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skip(args ...any) {
	f.skipped = true
	f.line = strings.TrimSpace(fmt.Sprintln(args...))
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.line = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with a fake TB on its own goroutine, as Skip and Fatalf end
// the goroutine that calls them.
func run(fn func(t testing.TB) string) (f *fakeTB, got string) {
	f = &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = fn(f)
	}()
	<-done
	return f, got
}

func TestProgramFound(t *testing.T) {
	t.Setenv("CI", "true")
	f, got := run(func(tb testing.TB) string { return Program(tb, "go", "the tests") })
	if f.skipped || f.failed || !filepath.IsAbs(got) {
		t.Fatalf("Program(go) = %q, skipped=%v failed=%v; want an absolute path", got, f.skipped, f.failed)
	}
}

func TestEnvSet(t *testing.T) {
	t.Setenv("CI", "true")
	t.Setenv("BALDUR_TESTENV_PROBE", "value")
	f, got := run(func(tb testing.TB) string { return Env(tb, "BALDUR_TESTENV_PROBE", "the tests") })
	if f.skipped || f.failed || got != "value" {
		t.Fatalf("Env = %q, skipped=%v failed=%v; want value", got, f.skipped, f.failed)
	}
}

func TestMissing(t *testing.T) {
	const noProgram = "baldur-no-such-program"
	const noVariable = "BALDUR_TESTENV_UNSET"
	cases := []struct {
		name, ci string
		call     func(testing.TB) string
		wantSkip bool
		wantLine string
	}{
		{"program/user", "", func(tb testing.TB) string { return Program(tb, noProgram, "the fault tests") },
			true, "SKIP: " + noProgram + " not installed: the fault tests need it"},
		{"program/ci-false", "false", func(tb testing.TB) string { return Program(tb, noProgram, "the fault tests") },
			true, "SKIP: " + noProgram + " not installed: the fault tests need it"},
		{"program/ci", "true", func(tb testing.TB) string { return Program(tb, noProgram, "the fault tests") },
			false, "FAIL: " + noProgram + " not installed: the fault tests need it"},
		{"program/ci-1", "1", func(tb testing.TB) string { return Program(tb, noProgram, "the fault tests") },
			false, "FAIL: " + noProgram + " not installed: the fault tests need it"},
		{"env/user", "", func(tb testing.TB) string { return Env(tb, noVariable, "the store tests") },
			true, "SKIP: " + noVariable + " not set: the store tests need it"},
		{"env/ci", "true", func(tb testing.TB) string { return Env(tb, noVariable, "the store tests") },
			false, "FAIL: " + noVariable + " not set: the store tests need it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv(noVariable, "")
			f, _ := run(c.call)
			if f.skipped != c.wantSkip || f.failed == c.wantSkip {
				t.Fatalf("skipped=%v failed=%v, want skipped=%v", f.skipped, f.failed, c.wantSkip)
			}
			if !strings.HasPrefix(f.line, c.wantLine) || strings.Contains(f.line, "\n") {
				t.Fatalf("line = %q, want one line starting %q", f.line, c.wantLine)
			}
		})
	}
}

// TestRealRun runs this test binary again with a helper test that needs a
// missing program, and checks what `go test -v` shows: one SKIP line and a
// passing run on a user's machine, a failing run under CI=true.
func TestRealRun(t *testing.T) {
	if os.Getenv("BALDUR_TESTENV_HELPER") == "1" {
		Program(t, "baldur-no-such-program", "the helper tests")
		return
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRealRun$", "-test.v")
		cmd.Env = append(os.Environ(), "BALDUR_TESTENV_HELPER=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		var lines []string
		for l := range strings.Lines(string(out)) {
			if strings.Contains(l, "baldur-no-such-program") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		if len(lines) != 1 {
			t.Fatalf("CI=%q: %d lines name the program, want 1:\n%s", ci, len(lines), out)
		}
		if ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP: TestRealRun")) {
			t.Fatalf("CI unset: err=%v, want a skipped, passing run:\n%s", err, out)
		}
		if ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL: TestRealRun")) {
			t.Fatalf("CI=true: err=%v, want a failing run:\n%s", err, out)
		}
		t.Logf("CI=%q: %s", ci, lines[0])
	}
}

func TestEventuallyReturnsOnceTheStateHolds(t *testing.T) {
	polls := 0
	Eventually(t, "the third poll", func() bool { polls++; return polls == 3 })
	if polls != 3 {
		t.Fatalf("cond polled %d times, want 3: Eventually returns as soon as it holds", polls)
	}
}
