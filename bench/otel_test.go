package bench

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/otelbaldur"
)

// otelSpec is the protected method every case calls: a breaker around a
// successful call, as a healthy request runs.
var otelSpec = baldur.Spec{Name: "quote", Method: "bench/svc.Quotes.Check", Breaker: "quote"}

// providers are the OpenTelemetry SDK's: a meter provider whose reader
// collects only when asked (as a scrape does), a tracer provider that
// records every span and hands it to a processor that drops it. Exporting
// is left out: it costs the same whoever made the span, and a batch
// exporter's goroutine would compete with the benchmark for the CPU.
func providers(b *testing.B) (*sdkmetric.MeterProvider, *sdktrace.TracerProvider) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(dropSpans{}))
	b.Cleanup(func() {
		mp.Shutdown(context.Background())
		tp.Shutdown(context.Background())
	})
	return mp, tp
}

// dropSpans is a span processor that keeps nothing.
type dropSpans struct{}

func (dropSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (dropSpans) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (dropSpans) Shutdown(context.Context) error                  { return nil }
func (dropSpans) ForceFlush(context.Context) error                { return nil }

func otelRuntime(b *testing.B, opts ...baldur.Option) *baldur.Policy {
	rt, err := baldur.New(append([]baldur.Option{baldur.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	return rt.Policy(otelSpec)
}

// protected is a call in the shape baldurgen writes: the call's context,
// Begin, Do, End.
func protected(p *baldur.Policy) error {
	pc := p.Call()
	c := p.Begin(ctx, &pc)
	err := p.Do(c, &pc, func(ctx context.Context) error { return ok.Check(ctx, "sku") })
	return p.End(c, &pc, err)
}

// BenchmarkOTelCall: what instrumenting a protected call costs, against
// what OpenTelemetry itself charges for the same record, and what the hook
// costs a runtime without it.
//
//	floor            the dependency alone
//	do               Do alone, without the call's PolicyContext (nil)
//	do-context       Do with the call's PolicyContext, as generated code calls it
//	no-hook          Begin, Do, End without an interceptor: the hook's own cost
//	                 is the difference from do-context; 0 allocs
//	otel-bare        the dependency inside what otelbaldur records, written by
//	                 hand: a span start and end, one counter Add, one histogram
//	                 Record, on the same providers (otelbaldur adds an attempts
//	                 counter and the policy's own work)
//	instrumented     the protected call with otelbaldur.Instrument
func BenchmarkOTelCall(b *testing.B) {
	b.Run("floor", func(b *testing.B) {
		each(b, false, func() int64 { return must(ok.Check(ctx, "sku")) })
	})
	b.Run("do", func(b *testing.B) {
		p := otelRuntime(b)
		each(b, false, func() int64 {
			return must(p.Do(ctx, nil, func(ctx context.Context) error { return ok.Check(ctx, "sku") }))
		})
	})
	b.Run("do-context", func(b *testing.B) {
		p := otelRuntime(b)
		each(b, false, func() int64 {
			pc := p.Call()
			return must(p.Do(ctx, &pc, func(ctx context.Context) error { return ok.Check(ctx, "sku") }))
		})
	})
	b.Run("no-hook", func(b *testing.B) {
		p := otelRuntime(b)
		each(b, false, func() int64 { return must(protected(p)) })
	})
	b.Run("otel-bare", func(b *testing.B) {
		bare := otelBare(providers(b))
		each(b, false, func() int64 { return must(bare()) })
	})
	b.Run("instrumented", func(b *testing.B) {
		mp, tp := providers(b)
		p := otelRuntime(b, otelbaldur.Instrument(otelbaldur.WithMeterProvider(mp), otelbaldur.WithTracerProvider(tp)))
		each(b, false, func() int64 { return must(protected(p)) })
	})
}

// BenchmarkOTelCallPaired measures the two comparisons the note states,
// paired: each iteration times a batch of one case and a batch of the
// other, in alternating order, so that load from elsewhere on the machine
// falls on both alike. Each reports a-ns/op, b-ns/op and b/a.
//
//	instrumented     otel-bare against instrumented (goal: at most 1.3)
//	hook             do-context against no-hook: what Begin and End cost
//	                 a runtime without an interceptor
func BenchmarkOTelCallPaired(b *testing.B) {
	b.Run("instrumented", func(b *testing.B) {
		mp, tp := providers(b)
		bare := otelBare(mp, tp)
		p := otelRuntime(b, otelbaldur.Instrument(otelbaldur.WithMeterProvider(mp), otelbaldur.WithTracerProvider(tp)))
		paired(b, 1, bare, func() error { return protected(p) })
	})
	b.Run("hook", func(b *testing.B) {
		p := otelRuntime(b)
		withContext := func() error {
			pc := p.Call()
			return p.Do(ctx, &pc, func(ctx context.Context) error { return ok.Check(ctx, "sku") })
		}
		paired(b, 256, withContext, func() error { return protected(p) })
	})
}

// otelBare is the otel-bare case: what otelbaldur records, written by
// hand as carefully as otelbaldur does it (attributes built once, options
// in slices that calls pass on without allocating).
func otelBare(mp *sdkmetric.MeterProvider, tp *sdktrace.TracerProvider) func() error {
	m, tracer := mp.Meter("bench"), tp.Tracer("bench")
	calls, _ := m.Int64Counter("calls")
	duration, _ := m.Float64Histogram("duration", metric.WithUnit("s"))
	policy := attribute.String("baldur.policy", otelSpec.Name)
	outcome := attribute.String("baldur.outcome", "success")
	set := metric.WithAttributeSet(attribute.NewSet(policy, outcome))
	add, rec := []metric.AddOption{set}, []metric.RecordOption{set}
	start := []trace.SpanStartOption{trace.WithAttributes(policy, attribute.String("baldur.method", otelSpec.Method))}
	return func() error {
		c, span := tracer.Start(ctx, otelSpec.Name, start...)
		t := time.Now()
		err := ok.Check(c, "sku")
		calls.Add(c, 1, add...)
		duration.Record(c, time.Since(t).Seconds(), rec...)
		span.SetAttributes(outcome, attribute.Int("baldur.attempts", 1))
		span.End()
		return err
	}
}

// paired times batches of k calls of a and of f in alternation.
func paired(b *testing.B, k int, a, f func() error) {
	b.ReportAllocs()
	batch := func(g func() error) time.Duration {
		start := time.Now()
		for range k {
			must(g())
		}
		return time.Since(start)
	}
	var ta, tf time.Duration
	n := 0
	for b.Loop() {
		if n++; n%2 == 0 {
			ta += batch(a)
			tf += batch(f)
		} else {
			tf += batch(f)
			ta += batch(a)
		}
	}
	ops := float64(n * k)
	b.ReportMetric(float64(ta.Nanoseconds())/ops, "a-ns/op")
	b.ReportMetric(float64(tf.Nanoseconds())/ops, "b-ns/op")
	b.ReportMetric(float64(tf)/float64(ta), "b/a")
}
