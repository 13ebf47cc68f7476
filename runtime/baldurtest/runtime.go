package baldurtest

import (
	"log/slog"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// NewRuntime is a runtime for one test: built from opts, closed when the
// test ends (so no breaker timer or replay loop outlives it), and failing
// the test if opts are refused. It logs nothing unless opts include
// baldur.WithLogger.
func NewRuntime(t testing.TB, opts ...baldur.Option) *baldur.Runtime {
	t.Helper()
	opts = append([]baldur.Option{baldur.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatalf("baldur.New: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}
