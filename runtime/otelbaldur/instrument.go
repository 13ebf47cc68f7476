package otelbaldur

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	baldur "github.com/baldur-go/baldur/runtime"
)

// scope names the instrumentation in every meter and tracer it asks for.
const scope = "github.com/baldur-go/baldur/runtime/otelbaldur"

// Option configures Instrument.
type Option func(*settings)

type settings struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider records the metrics with mp instead of the global
// meter provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(s *settings) { s.mp = mp }
}

// WithTracerProvider records the spans with tp instead of the global
// tracer provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(s *settings) { s.tp = tp }
}

// Instrument is the runtime option that records the runtime's calls. The
// gauges it registers read the runtime for as long as the meter provider
// collects: shut the provider down with the runtime.
func Instrument(opts ...Option) baldur.Option {
	return func(rt *baldur.Runtime) error {
		s := settings{mp: otel.GetMeterProvider(), tp: otel.GetTracerProvider()}
		for _, o := range opts {
			o(&s)
		}
		if s.mp == nil || s.tp == nil {
			return errors.New("otelbaldur: Instrument: nil meter or tracer provider")
		}
		ic, err := newInterceptor(rt, s)
		if err != nil {
			return fmt.Errorf("otelbaldur: %w", err)
		}
		if err := baldur.WithInterceptor(ic)(rt); err != nil {
			return err
		}
		if err := ic.observe(s.mp.Meter(scope)); err != nil {
			return fmt.Errorf("otelbaldur: %w", err)
		}
		return nil
	}
}

// interceptor is the runtime's Interceptor: it turns calls and events
// into spans and measurements.
type interceptor struct {
	rt     *baldur.Runtime
	tracer trace.Tracer

	calls       metric.Int64Counter
	duration    metric.Float64Histogram
	attempts    metric.Int64Counter
	transitions metric.Int64Counter
	budget      metric.Int64Counter
	duplicates  metric.Int64Counter

	// policies holds each policy's attributes, built at its first call:
	// an immutable map replaced whole under mu, so a call reads it
	// without a lock.
	policies atomic.Pointer[map[string]*policyAttrs]
	mu       sync.Mutex
	// fields are metrics.fields, read with the first policy: the
	// configuration may be given after Instrument among New's options.
	fields []string

	letters letterGauge
}

// durationBuckets suit calls from a millisecond to ten seconds: the
// SDK's default buckets are meant for milliseconds.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

func newInterceptor(rt *baldur.Runtime, s settings) (*interceptor, error) {
	m := s.mp.Meter(scope)
	ic := &interceptor{rt: rt, tracer: s.tp.Tracer(scope)}
	var errs []error
	counter := func(name, unit, doc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(doc))
		errs = append(errs, err)
		return c
	}
	ic.calls = counter("baldur.calls", "{call}", "Protected calls, by policy and outcome.")
	ic.attempts = counter("baldur.attempts", "{attempt}", "Attempts the protected calls made, by policy and outcome.")
	ic.transitions = counter("baldur.breaker.transitions", "{transition}", "Circuit breaker state changes.")
	ic.budget = counter("baldur.retry.budget.exhausted", "{retry}", "Retries the retry budget refused.")
	ic.duplicates = counter("baldur.idempotency.duplicates", "{call}", "Calls answered from an earlier call with the same idempotency key.")
	var err error
	ic.duration, err = m.Float64Histogram("baldur.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of protected calls, fallback and dead-letter capture included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	errs = append(errs, err)
	empty := map[string]*policyAttrs{}
	ic.policies.Store(&empty)
	return ic, errors.Join(errs...)
}
