package baldur

import "slices"

// MetricsConfig says what package otelbaldur records about a call beyond
// its policy and outcome.
type MetricsConfig struct {
	// Fields name the PolicyContext fields that become attributes of the
	// calls' metrics and spans. Every value of such a field is a series of
	// its own, so name only fields with few values (a tier, a region),
	// never an order or customer ID.
	Fields []Opt[string] `yaml:"fields" doc:"PolicyContext fields that become metric and span attributes, e.g. [tier]; each value is a series of its own, so only fields with few values"`
}

// MetricsFields returns the names metrics.fields lists, in its order,
// without repeats: the business fields an instrumentation may record.
func (rt *Runtime) MetricsFields() []string {
	var out []string
	for _, f := range rt.config.Metrics.Fields {
		if name, ok := f.Get(); ok && name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
