package otelbaldur

import (
	"maps"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	baldur "github.com/baldur-go/baldur/runtime"
)

// The attribute keys; their names are part of the package's contract.
const (
	keyPolicy      = attribute.Key("baldur.policy")
	keyMethod      = attribute.Key("baldur.method")
	keyOutcome     = attribute.Key("baldur.outcome")
	keyAttempts    = attribute.Key("baldur.attempts")
	keyAttempt     = attribute.Key("baldur.attempt")
	keyDelay       = attribute.Key("baldur.retry.delay")
	keyBreaker     = attribute.Key("baldur.breaker")
	keyBreakerKey  = attribute.Key("baldur.breaker.key")
	keyState       = attribute.Key("baldur.breaker.state")
	keyFrom        = attribute.Key("baldur.breaker.from")
	keyTo          = attribute.Key("baldur.breaker.to")
	keyLetterState = attribute.Key("baldur.letter.state")
)

// outcomes are every Outcome, indexed by its value.
var outcomes = []baldur.Outcome{
	baldur.OutcomeSuccess, baldur.OutcomeFailure, baldur.OutcomeFallback, baldur.OutcomeRejected,
	baldur.OutcomeIgnored, baldur.OutcomeDeadLettered, baldur.OutcomeDuplicate,
}

// policyAttrs are what one policy's calls record, built once so that a
// call that records no business field allocates no attribute set.
type policyAttrs struct {
	name   string
	policy attribute.KeyValue
	// start starts the call's span with its policy and method.
	start []trace.SpanStartOption
	// byOutcome is the measurement of {policy, outcome}, indexed by the
	// Outcome's value; outcome, that outcome's span attribute.
	byOutcome [8]measurement
	outcome   [8]attribute.KeyValue
	// only is {policy}, for the counters that have no outcome.
	only []metric.AddOption
	// fields are metrics.fields: with any, a call's set is built per call.
	fields []string
}

func newPolicyAttrs(name, method string, fields []string) *policyAttrs {
	pa := &policyAttrs{name: name, policy: keyPolicy.String(name), fields: fields}
	pa.start = []trace.SpanStartOption{trace.WithAttributes(pa.policy, keyMethod.String(method))}
	pa.only = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(pa.policy))}
	for _, o := range outcomes {
		pa.outcome[o] = keyOutcome.String(o.String())
		pa.byOutcome[o] = newMeasurement(pa.policy, pa.outcome[o])
	}
	return pa
}

// attrs returns the attributes of the policy called name, building them
// at its first call.
func (ic *interceptor) attrs(name, method string) *policyAttrs {
	if pa := (*ic.policies.Load())[name]; pa != nil {
		return pa
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	cur := *ic.policies.Load()
	if pa := cur[name]; pa != nil {
		return pa
	}
	if len(cur) == 0 {
		ic.fields = recordable(ic.rt.MetricsFields())
	}
	next := maps.Clone(cur)
	next[name] = newPolicyAttrs(name, method, ic.fields)
	ic.policies.Store(&next)
	return next[name]
}

// recordable drops the names that would shadow the package's own
// attributes.
func recordable(names []string) []string {
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, "baldur.") {
			out = append(out, n)
		}
	}
	return out
}

// fieldAttrs appends to kvs the call's values of the configured fields it
// has.
func (pa *policyAttrs) fieldAttrs(kvs []attribute.KeyValue, c baldur.PolicyContext) []attribute.KeyValue {
	for _, name := range pa.fields {
		if v, ok := c.Field(name); ok {
			kvs = append(kvs, attribute.String(name, v))
		}
	}
	return kvs
}

// measurement is the options of one attribute set, in slices of their
// own: passed on with ..., they cost a call no allocation.
type measurement struct {
	add []metric.AddOption
	rec []metric.RecordOption
}

func newMeasurement(kvs ...attribute.KeyValue) measurement {
	o := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return measurement{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
}

// measure is the measurement of a call that ended with outcome o and e's
// fields.
func (pa *policyAttrs) measure(o baldur.Outcome, e baldur.CallEnd) measurement {
	if len(pa.fields) == 0 {
		return pa.byOutcome[o]
	}
	return newMeasurement(pa.fieldAttrs([]attribute.KeyValue{pa.policy, pa.outcome[o]}, e.Context)...)
}

// outcomeIndex is o as an index of byOutcome and outcome; an Outcome
// this package does not know counts as a failure.
func outcomeIndex(o baldur.Outcome) baldur.Outcome {
	if o <= 0 || int(o) >= len(policyAttrs{}.outcome) {
		return baldur.OutcomeFailure
	}
	return o
}
