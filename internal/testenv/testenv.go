// Package testenv is the one place tests decide what to do when an outside
// program or service they need is missing: on a user's machine the test
// skips with one loud line naming what is missing and what needs it; under
// CI=true it fails, so a CI run can never turn green by skipping.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// Program returns the path of the named program, looked up in PATH.
// what says what needs it, e.g. "the Redis fault tests".
func Program(t testing.TB, name, what string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" not installed: "+what+" need it")
	}
	return path
}

// Env returns the value of the environment variable. what says what needs
// it, e.g. "the PostgreSQL store tests (e.g. postgres://...)".
func Env(t testing.TB, variable, what string) string {
	t.Helper()
	v := os.Getenv(variable)
	if v == "" {
		missing(t, variable+" not set: "+what+" need it")
	}
	return v
}

// missing skips or fails the test with the one line that says why.
func missing(t testing.TB, line string) {
	t.Helper()
	if inCI() {
		t.Fatalf("FAIL: %s (CI=true: a missing dependency fails here instead of skipping)", line)
	}
	t.Skip("SKIP: " + line)
}

// inCI reports whether CI is set to a true value (true, 1, TRUE...).
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}
