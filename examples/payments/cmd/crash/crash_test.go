package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The test binary is also the children's: with the role in the
// environment it runs a child instead of the tests.
func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(child(role, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// A process killed with SIGKILL mid-outage loses no acknowledged dead
// letter, and the process after it replays each once.
func TestKilledProcessLosesNoAcknowledgedLetter(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(self, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	if !strings.Contains(stdout.String(), ", 0 lost, 0 charged twice.") {
		t.Fatalf("account:\n%s", &stdout)
	}
}
