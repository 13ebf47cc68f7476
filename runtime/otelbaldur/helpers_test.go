package otelbaldur_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/otelbaldur"
)

// Breakers and retry budgets run timers; none may outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	bg          = context.Background()
	errBoom     = errors.New("boom")
	errDeclined = errors.New("declined")
)

// env is an instrumented runtime whose metrics and spans stay in memory.
type env struct {
	t      *testing.T
	rt     *baldur.Runtime
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
}

// quick: no backoff, no budget, a breaker that opens after two calls.
const quick = `defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  charge: {size: 2, minimum_calls: 2}
`

func newEnv(t *testing.T, config string, opts ...baldur.Option) *env {
	t.Helper()
	e := &env{t: t, reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	opts = append([]baldur.Option{
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfigYAML([]byte(config)),
		otelbaldur.Instrument(otelbaldur.WithMeterProvider(mp), otelbaldur.WithTracerProvider(e.tp)),
	}, opts...)
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.rt = rt
	t.Cleanup(func() {
		rt.Close()
		mp.Shutdown(bg)
		e.tp.Shutdown(bg)
	})
	return e
}

// call makes one protected call in the generated shape: the call's
// fields, Begin, Do, dead-letter capture and the fallback when the policy
// has them, End.
func call(p *baldur.Policy, ctx context.Context, fn func(context.Context) error, fields ...baldur.Field) error {
	pc := p.Call()
	if p.NeedsFields() {
		pc = p.Call(fields...)
	}
	ctx = p.Begin(ctx, &pc)
	err := p.Do(ctx, &pc, fn)
	return p.End(ctx, &pc, err)
}

// collect reads every metric once.
func (e *env) collect() map[string]metricdata.Metrics {
	e.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(bg, &rm); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// points renders the data points of a sum, gauge or histogram as
// "attr=value,...: n" lines, sorted, n being the value or the count.
func points(m metricdata.Metrics) []string {
	var out []string
	line := func(set attribute.Set, n any) {
		var kv []string
		for _, a := range set.ToSlice() {
			kv = append(kv, fmt.Sprintf("%s=%s", a.Key, a.Value.Emit()))
		}
		out = append(out, fmt.Sprintf("%s: %v", strings.Join(kv, ","), n))
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			line(p.Attributes, p.Value)
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			line(p.Attributes, p.Value)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			line(p.Attributes, p.Count)
		}
	}
	sort.Strings(out)
	return out
}

func wantPoints(t *testing.T, metrics map[string]metricdata.Metrics, name string, want ...string) {
	t.Helper()
	m, ok := metrics[name]
	if !ok {
		t.Fatalf("no metric %s; have %v", name, slices.Sorted(maps.Keys(metrics)))
	}
	got := points(m)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
}

func ok(context.Context) error { return nil }

func failWith(err error) func(context.Context) error {
	return func(context.Context) error { return err }
}
