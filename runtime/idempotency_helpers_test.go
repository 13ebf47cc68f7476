package baldur_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// idemPolicy is a policy deduplicated by key, on a runtime of its own with
// the memory store unless opts choose another, configured by idem.
func idemPolicy(t testing.TB, idem baldur.IdempotencyConfig, opts ...baldur.Option) *baldur.Policy {
	t.Helper()
	opts = append([]baldur.Option{
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: idem}}),
	}, opts...)
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt.Policy(baldur.Spec{Name: "p", Method: "baldur_test.Service.P", Dedupe: true})
}

func ptr[T any](v T) *T { return &v }

func dur(d time.Duration) *time.Duration { return &d }

// recorder keeps a runtime's events and log records.
type recorder struct {
	mu     sync.Mutex
	events []baldur.Event
	logs   []slog.Record
}

// options route a runtime's events and logs (every level) to r.
func (r *recorder) options() []baldur.Option {
	return []baldur.Option{baldur.WithObserver(r.observe), baldur.WithLogger(slog.New(r))}
}

func (r *recorder) observe(ev baldur.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// eventsOf returns the events of kind k seen so far.
func (r *recorder) eventsOf(k baldur.EventKind) []baldur.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []baldur.Event
	for _, ev := range r.events {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

// logsAt returns the log records at level l seen so far.
func (r *recorder) logsAt(l slog.Level) []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []slog.Record
	for _, rec := range r.logs {
		if rec.Level == l {
			out = append(out, rec)
		}
	}
	return out
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, rec.Clone())
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// attr is the value of the attribute called key in rec, as text.
func attr(rec slog.Record, key string) string {
	var v string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}
