// Package harness builds runtimes for the golden cases' tests: a fake clock,
// no backoff delay and no retry budget, so attempt counts are exact and no
// test sleeps.
package harness

import (
	"context"
	"log/slog"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

const defaults = `
defaults:
  retry:
    initial_delay: 0s
    max_delay: 0s
  budget:
    enabled: false
`

// Runtime returns a runtime on a fake clock. sections, when not empty, are
// YAML sections ("policies:", "breakers:") added to the configuration;
// opts come after the harness's own.
func Runtime(t testing.TB, sections string, opts ...baldur.Option) (*baldur.Runtime, *baldurtest.Clock) {
	t.Helper()
	clock := baldurtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt := baldurtest.NewRuntime(t, append([]baldur.Option{baldur.WithClock(clock), baldur.WithConfigYAML([]byte(defaults + sections))}, opts...)...)
	return rt, clock
}

// Background runs call in a goroutine and returns a channel that receives
// its result.
func Background[T any](call func() T) <-chan T {
	done := make(chan T, 1)
	go func() { done <- call() }()
	return done
}

// AdvanceWhenWaiting moves clock by step each time the code under test is
// waiting on it, until done yields a value, which it returns.
func AdvanceWhenWaiting[T any](t testing.TB, clock *baldurtest.Clock, step time.Duration, done <-chan T) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		waiting := make(chan error, 1)
		wctx, stop := context.WithCancel(ctx)
		go func() { waiting <- clock.WaitForCallTimers(wctx, 1) }()
		select {
		case v := <-done:
			stop()
			return v
		case err := <-waiting:
			stop()
			if err != nil {
				t.Fatalf("the call neither returned nor waited on the clock: %v", err)
			}
			clock.Advance(step)
		}
	}
}

// BytesOnly is Runtime with an idempotency store that keeps records only
// as bytes, as a store shared by replicas does: every duplicate's results
// are decoded from JSON, never handed over in memory.
func BytesOnly(t testing.TB) (*baldur.Runtime, *baldurtest.Clock) {
	t.Helper()
	clock := baldurtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	// Embedding only the store interface hides the memory store's Local.
	store := struct{ baldur.IdempotencyStore }{baldur.NewMemoryStore(baldur.MemoryLimits{})}
	rt, err := baldur.New(baldur.WithClock(clock), baldur.WithConfigYAML([]byte(defaults)),
		baldur.WithIdempotencyStore(store), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt, clock
}
