package otelbaldur_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	baldur "github.com/baldur-go/baldur/runtime"
)

// One span per call, a child of the caller's, with the policy, method,
// outcome and attempts, and an event for the retry with its delay.
func TestSpanPerCallChildOfCaller(t *testing.T) {
	e := newEnv(t, "defaults:\n  retry: {initial_delay: 0s, jitter: none}\n  budget: {enabled: false}\n")
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Retry: true, Attempts: 3})
	ctx, parent := e.tp.Tracer("test").Start(bg, "checkout")
	n := 0
	err := call(p, ctx, func(ctx context.Context) error {
		if n++; n == 1 {
			return errBoom
		}
		return nil
	})
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	s := onlySpan(t, e, "charge")
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("span %s has parent %s, want the caller's %s", s.Name(), s.Parent().SpanID(), parent.SpanContext().SpanID())
	}
	want := map[attribute.Key]string{"baldur.policy": "charge", "baldur.method": "test.Gateway.Charge", "baldur.outcome": "success", "baldur.attempts": "2"}
	if got := attrs(s.Attributes()); !maps.Equal(got, want) {
		t.Errorf("attributes %v, want %v", got, want)
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v after a success", s.Status())
	}
	var retries []map[attribute.Key]string
	for _, ev := range s.Events() {
		if ev.Name == "retry" {
			retries = append(retries, attrs(ev.Attributes))
		}
	}
	if len(retries) != 1 || retries[0]["baldur.attempt"] != "1" || retries[0]["baldur.retry.delay"] != "0" {
		t.Errorf("retry events %v, want one after attempt 1 with its delay", retries)
	}
}

// The attempts run in the span's context, so a client span the method
// starts is the call span's child.
func TestAttemptsRunInTheCallsSpan(t *testing.T) {
	e := newEnv(t, quick)
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge"})
	call(p, bg, func(ctx context.Context) error {
		_, s := e.tp.Tracer("client").Start(ctx, "POST /charges")
		s.End()
		return nil
	})
	outer, inner := onlySpan(t, e, "charge"), onlySpan(t, e, "POST /charges")
	if inner.Parent().SpanID() != outer.SpanContext().SpanID() {
		t.Fatal("the method's span is not a child of the call's")
	}
}

// A failure the caller gets is an error status; a business outcome
// (ignored) and a fallback's answer are not.
func TestSpanStatusFollowsWhatTheCallerGot(t *testing.T) {
	e := newEnv(t, quick)
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge", Ignore: []error{errDeclined}})
	call(p, bg, failWith(errBoom))
	call(p, bg, failWith(errDeclined))
	spans := e.spans.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	if st := spans[0].Status(); st.Code != codes.Error || st.Description != "boom" {
		t.Errorf("failure: status %v, want error boom", st)
	}
	if st := spans[1].Status(); st.Code != codes.Unset {
		t.Errorf("ignored: status %v, want unset", st)
	}
	if got := attrs(spans[1].Attributes())["baldur.outcome"]; got != "ignored" {
		t.Errorf("ignored: outcome %q", got)
	}
}

// Only the fields metrics.fields names become attributes, of metrics and
// spans alike; a configured field a call lacks is left out.
func TestOnlyConfiguredFieldsBecomeAttributes(t *testing.T) {
	e := newEnv(t, quick+"metrics:\n  fields: [tier, region]\n")
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge"})
	fields := []baldur.Field{baldur.String("order_id", "o-1"), baldur.String("tier", "gold"), baldur.Int("amount", 100)}
	call(p, bg, ok, fields...)
	call(p, baldur.WithFields(bg, "region", "eu", "customer", "c-9"), ok, fields...)
	m := e.collect()
	wantPoints(t, m, "baldur.calls",
		"baldur.outcome=success,baldur.policy=charge,tier=gold: 1",
		"baldur.outcome=success,baldur.policy=charge,region=eu,tier=gold: 1")
	wantPoints(t, m, "baldur.call.duration",
		"baldur.outcome=success,baldur.policy=charge,tier=gold: 1",
		"baldur.outcome=success,baldur.policy=charge,region=eu,tier=gold: 1")
	for _, s := range e.spans.Ended() {
		got := attrs(s.Attributes())
		for _, k := range []attribute.Key{"order_id", "amount", "customer"} {
			if v, ok := got[k]; ok {
				t.Errorf("span has %s=%s, a field metrics.fields does not name", k, v)
			}
		}
		if got["tier"] != "gold" {
			t.Errorf("span attributes %v, want tier=gold", got)
		}
	}
}

// Without metrics.fields no field is recorded, whatever the call carries.
func TestNoFieldsWithoutConfiguration(t *testing.T) {
	e := newEnv(t, quick)
	p := e.rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge"})
	call(p, bg, ok, baldur.String("tier", "gold"), baldur.String("card_holder", "A. Person"))
	wantPoints(t, e.collect(), "baldur.calls", "baldur.outcome=success,baldur.policy=charge: 1")
	got := attrs(onlySpan(t, e, "charge").Attributes())
	for k := range got {
		if !slices.Contains([]attribute.Key{"baldur.policy", "baldur.method", "baldur.outcome", "baldur.attempts"}, k) {
			t.Errorf("span attribute %s=%s, configured nowhere", k, got[k])
		}
	}
}

func onlySpan(t *testing.T, e *env, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range e.spans.Ended() {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %s, want 1", len(found), name)
	}
	return found[0]
}

func attrs(kvs []attribute.KeyValue) map[attribute.Key]string {
	out := map[attribute.Key]string{}
	for _, kv := range kvs {
		out[kv.Key] = kv.Value.Emit()
	}
	return out
}
