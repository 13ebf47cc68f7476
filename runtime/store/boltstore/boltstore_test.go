package boltstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
	"github.com/baldur-go/baldur/runtime/store/lettertest"
)

func TestMain(m *testing.M) {
	// The crash and disk-full tests re-run this binary as their child.
	if child := os.Getenv(childEnv); child != "" {
		os.Exit(runChild(child))
	}
	goleak.VerifyTestMain(m)
}

var ctx = context.Background()

// open opens a store in a new file, closed at cleanup.
func open(t testing.TB, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "letters.db"), opts...)
}

func openAt(t testing.TB, path string, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestDeadLetterConformance(t *testing.T) {
	lettertest.Run(t, lettertest.Backend{
		Open: func(t *testing.T) baldur.DeadLetterStore { return open(t) },
		OpenFull: func(t *testing.T, n int) baldur.DeadLetterStore {
			return open(t, boltstore.WithMaxLetters(n))
		},
	})
}
