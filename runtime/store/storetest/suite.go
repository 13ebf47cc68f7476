// Package storetest checks a baldur.IdempotencyStore, and the runtime's
// idempotency on top of it, against the store contract and the
// reliability checks of docs/reliability (I1–I15, X3–X4). Every store runs
// the same suite:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Backend{Open: ..., Attach: ...})
//	}
//
// The contract tests call the store directly; the others drive it the way
// generated code does, through baldur.New, Runtime.Policy and
// baldur.Idempotent. Tests that need two OS processes re-execute the test
// binary with -test.run naming the running test, so Run must be called
// directly from a top-level Test function.
package storetest

import (
	"context"
	"os"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Backend opens stores for the suite.
type Backend struct {
	// Open returns a store on a fresh, isolated namespace (key prefix,
	// schema...) and registers its removal with t.Cleanup. The namespace
	// string lets another process Attach to the same store.
	Open func(t testing.TB) (store baldur.IdempotencyStore, namespace string)
	// Attach opens the store that Open made, from another process, without
	// cleaning it up. nil for stores a process cannot share (memory); the
	// multi-process tests do not apply to them and are not run.
	Attach func(t testing.TB, namespace string) baldur.IdempotencyStore
}

// Run runs the suite. In a child process started by the suite it plays the
// child's part instead.
func Run(t *testing.T, b Backend) {
	if role := os.Getenv(envRole); role != "" {
		runChild(t, b, role)
		return
	}
	t.Run("Contract", func(t *testing.T) { runContract(t, b) })
	t.Run("Engine", func(t *testing.T) { runEngine(t, b) })
	if b.Attach != nil {
		t.Run("Process", func(t *testing.T) { runProcess(t, b) })
	}
}

// epoch is where fake clocks start: far from the real time, so a store that
// decided expiry on its own clock would be caught.
var epoch = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// testContext bounds a test that would otherwise hang on a bug.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
