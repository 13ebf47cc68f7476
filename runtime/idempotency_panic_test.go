package baldur_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// A panic in a call that every caller has already left is not lost: the
// runtime logs it at Error with its stack and reports EventLostPanic.
// (It used to vanish: nobody was waiting to receive it.)
func TestPanicAfterEveryCallerLeftIsReported(t *testing.T) {
	var r recorder
	p := idemPolicy(t, baldur.IdempotencyConfig{}, r.options()...)
	ctx, cancel := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := baldur.Idempotent(ctx, p, "k", nil, func(context.Context) (int, error) {
			close(started)
			<-release // a call that does not watch its context
			panic(errBoom)
		})
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that left got %v, want context.Canceled", err)
	}
	close(release)
	// The observer hears of it before the logger writes it: wait for both.
	eventually(t, "the lost panic is reported", func() bool {
		return len(r.eventsOf(baldur.EventLostPanic)) == 1 && len(r.logsAt(slog.LevelError)) == 1
	})
	ev := r.eventsOf(baldur.EventLostPanic)[0]
	var pe *baldur.PanicError
	if !errors.As(ev.Err, &pe) || pe.Value != errBoom || ev.Policy != "p" {
		t.Fatalf("event %+v, want the *PanicError of policy p", ev)
	}
	logs := r.logsAt(slog.LevelError)
	if len(logs) != 1 || !strings.Contains(attr(logs[0], "error"), "goroutine ") || !strings.Contains(attr(logs[0], "error"), "boom") {
		t.Fatalf("error records %v, want one with the panic value and its stack", logs)
	}
	// The key is free again.
	if v, err := baldur.Idempotent(context.Background(), p, "k", nil, func(context.Context) (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Fatalf("after the lost panic: %d, %v; want a new run", v, err)
	}
}

// Callers still waiting get the panic as *PanicError, whose Value is the
// original value, reachable with errors.Is when it is an error.
func TestPanicReachesWaitersWithItsValue(t *testing.T) {
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	defer func() {
		pe, ok := recover().(*baldur.PanicError)
		if !ok || pe.Value != errBoom || !errors.Is(pe, errBoom) {
			t.Fatalf("recovered %v, want a *PanicError wrapping the panic's error", pe)
		}
	}()
	_, _ = baldur.Idempotent(context.Background(), p, "k", nil, func(context.Context) (int, error) { panic(errBoom) })
	t.Fatal("returned instead of panicking")
}
