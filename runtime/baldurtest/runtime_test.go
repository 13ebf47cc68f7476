package baldurtest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// A logger given in opts is the one the runtime logs to: the default only
// discards what nobody asked to see.
func TestNewRuntimeKeepsTheCallersLogger(t *testing.T) {
	var logs bytes.Buffer
	rt := baldurtest.NewRuntime(t, baldur.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		baldur.WithConfigYAML([]byte("policies:\n  charge:\n    retry: {attempts: 2, initial_delay: 0s}\n")))
	p := rt.Policy(baldur.Spec{Name: "charge", Method: "baldurtest_test.Gateway.Charge"})
	_ = p.Do(context.Background(), nil, func(context.Context) error { return errors.New("boom") })
	if logs.Len() == 0 {
		t.Fatal("a failed call logged nothing to the logger given in opts")
	}
}

// Refused options fail the test that asked for the runtime.
func TestNewRuntimeFailsTheTestOnRefusedOptions(t *testing.T) {
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		baldurtest.NewRuntime(f, baldur.WithConfigYAML([]byte("policies: [")))
	}()
	<-done
	if !f.failed {
		t.Fatal("NewRuntime returned a runtime for a config it could not read")
	}
}

type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
