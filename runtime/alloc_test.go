package baldur_test

import (
	"context"
	"log/slog"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// The happy path of a protected call allocates nothing: users put Baldur
// on every request, and garbage there is paid in GC time.
func TestDoAllocatesNothingOnTheHappyPathOrWhenRejecting(t *testing.T) {
	e := newEnv(t, "")
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Breaker: "dep"})
	var out int
	call := func() {
		if err := p.Do(bg, func(context.Context) error { out++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for range 200 { // fill the window so that it settles
		call()
	}
	if n := testing.AllocsPerRun(1000, call); n != 0 {
		t.Errorf("success: %v allocations per call, want 0", n)
	}
	// No observer, a quiet logger: nobody listens to per-call events.
	quiet, err := baldur.New(baldur.WithClock(e.clock), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	q := quiet.Policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	q.Breaker().ForceOpen()
	if n := testing.AllocsPerRun(1000, func() { q.Do(bg, func(context.Context) error { return nil }) }); n != 0 {
		t.Errorf("rejection: %v allocations per call, want 0", n)
	}
}
