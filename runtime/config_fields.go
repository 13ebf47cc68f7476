package baldur

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// sectionGroups are the nested mappings of a section, in order.
var sectionGroups = []string{"retry", "breaker", "budget", "mesh", "idempotency"}

// sectionFields are the keys of a defaults or policy section, by group;
// group "" holds the section's own scalar keys.
func sectionFields(pc *PolicyConfig, policy bool) map[string][]field {
	r, b, g, id := &pc.Retry, &pc.Breaker, &pc.Budget, &pc.Idempotency
	f := map[string][]field{
		"idempotency": {
			{"ttl", durationValue(&id.TTL, time.Second, maxIdempotencyTTL)},
			{"lease", durationValue(&id.Lease, time.Second, maxLongDuration)},
			{"in_flight", inFlightValue(&id.InFlight, &id.MaxWait)},
			{"missing_key", enumValue(&id.MissingKey, map[string]MissingKeyMode{"error": MissingKeyRefuse, "run": MissingKeyRun})},
			{"require_tenant", boolPtrValue(&id.RequireTenant)},
		},
		"": {{"timeout", durationValue(&pc.Timeout, 0, maxLongDuration)}},
		"retry": {
			{"attempts", intValue(&r.Attempts, 1, maxAttempts)},
			{"backoff", enumValue(&r.Backoff, map[string]Backoff{"exponential": ExponentialBackoff, "constant": ConstantBackoff})},
			{"initial_delay", durationValue(&r.InitialDelay, 0, maxDelayLimit)},
			{"max_delay", durationValue(&r.MaxDelay, 0, maxDelayLimit)},
			{"multiplier", floatValue(&r.Multiplier, 1, maxMultiplier, false)},
			{"jitter", enumValue(&r.Jitter, map[string]Jitter{"full": FullJitter, "none": NoJitter})},
		},
		"breaker": {
			{"window", enumValue(&b.Window, map[string]WindowKind{"count": CountWindow, "time": TimeWindow})},
			{"size", intValue(&b.Size, 1, maxWindowSize)},
			{"span", durationValue(&b.Span, minBucketWidth, maxLongDuration)},
			{"buckets", intValue(&b.Buckets, 1, maxBuckets)},
			{"minimum_calls", intValue(&b.MinimumCalls, 1, maxWindowSize)},
			{"failure_rate", floatValue(&b.FailureRate, 0, maxPercent, true)},
			{"slow_call_rate", floatValue(&b.SlowCallRate, 0, maxPercent, true)},
			{"slow_call", durationValue(&b.SlowCall, 0, maxDelayLimit)},
			{"open_for", durationValue(&b.OpenFor, minBucketWidth, maxLongDuration)},
			{"half_open_probes", intValue(&b.HalfOpenProbes, 1, maxProbes)},
			{"half_open_max_wait", durationValue(&b.HalfOpenMaxWait, 0, maxLongDuration)},
		},
		"budget": {
			{"enabled", boolPtrValue(&g.Enabled)},
			{"percent", floatValue(&g.Percent, 0, maxPercent, false)},
			{"min_retries_per_second", floatValue(&g.MinRetriesPerSecond, 0, maxRetriesPerSec, false)},
			{"ttl", durationValue(&g.TTL, minBudgetTTL, maxBudgetTTL)},
		},
	}
	if !policy {
		f["idempotency"] = append(f["idempotency"], field{"namespace", stringValue(&id.Namespace)})
	}
	if policy {
		// Adding or removing a breaker, and the mesh's role, are decisions
		// about one dependency, so defaults cannot make them.
		f["breaker"] = append(f["breaker"], field{"enabled", boolPtrValue(&b.Enabled)})
		f["mesh"] = []field{{"owns_network_retries", boolPtrValue(&pc.OwnsNetworkRetries)}}
	}
	return f
}

// section reads the settings of defaults or of one policy, then checks
// them as they resolve on top of the built-in defaults (and, for a policy,
// the file's defaults), reporting contradictions at the section.
func (l *loader) section(n *yaml.Node, path string, pc *PolicyConfig, policy bool) {
	byGroup := sectionFields(pc, policy)
	fields := byGroup[""]
	for _, g := range sectionGroups {
		if sub, ok := byGroup[g]; ok {
			fields = append(fields, field{g, func(v *yaml.Node) string { l.mapping(v, path+"."+g, sub); return "" }})
		}
	}
	l.mapping(n, path, fields)

	rc, bc := defaultRetry, defaultBreaker
	if policy {
		l.cfg.Defaults.Retry.apply(&rc)
		l.cfg.Defaults.Breaker.apply(&bc)
	}
	pc.Retry.apply(&rc)
	pc.Breaker.apply(&bc)
	for _, p := range append(checkRetry(rc), checkBreaker(bc)...) {
		l.errorf(n, "%s: %s", path, p)
	}
}

func scalar(v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || isNull(v) {
		return "", false
	}
	return v.Value, true
}

func durationValue(dst **time.Duration, lo, hi time.Duration) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		s, ok := scalar(v)
		if !ok {
			return "expected a duration such as \"250ms\", found " + describe(v)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Sprintf("%q is not a duration; write it as Go does, such as \"250ms\" or \"2s\"", s)
		}
		if d < lo || d > hi {
			return fmt.Sprintf("%v is out of range [%v, %v]", d, lo, hi)
		}
		*dst = &d
		return ""
	}
}

func intValue(dst **int, lo, hi int) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		s, ok := scalar(v)
		n, err := strconv.Atoi(s)
		if !ok || v.Tag != "!!int" || err != nil {
			return "expected a whole number, found " + describe(v)
		}
		if n < lo || n > hi {
			return fmt.Sprintf("%d is out of range [%d, %d]", n, lo, hi)
		}
		*dst = &n
		return ""
	}
}

// floatValue reads a number in [lo, hi], or (lo, hi] when openLo.
func floatValue(dst **float64, lo, hi float64, openLo bool) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		s, ok := scalar(v)
		f, err := strconv.ParseFloat(s, 64)
		if !ok || (v.Tag != "!!int" && v.Tag != "!!float") || err != nil || math.IsNaN(f) {
			return "expected a number, found " + describe(v)
		}
		if f < lo || f > hi || (openLo && f == lo) {
			left := "["
			if openLo {
				left = "("
			}
			return fmt.Sprintf("%v is out of range %s%v, %v]", f, left, lo, hi)
		}
		*dst = &f
		return ""
	}
}

func parseBool(v *yaml.Node) (bool, string) {
	s, ok := scalar(v)
	b, err := strconv.ParseBool(s)
	if !ok || v.Tag != "!!bool" || err != nil {
		return false, "expected true or false, found " + describe(v)
	}
	return b, ""
}

func boolValue(dst *bool) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		b, msg := parseBool(v)
		if msg == "" {
			*dst = b
		}
		return msg
	}
}

// inFlightValue reads what a duplicate of a running call does: "wait" for
// its outcome, "fail" at once with ErrInFlight, or a duration to wait at
// most.
func inFlightValue(mode **InFlightMode, wait **time.Duration) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		s, _ := scalar(v)
		m, d := InFlightWait, time.Duration(0)
		switch s {
		case "wait":
		case "fail":
			m = InFlightFail
		default:
			var err error
			if d, err = time.ParseDuration(s); err != nil || d <= 0 || d > maxLongDuration {
				return fmt.Sprintf("expected \"wait\", \"fail\" or a duration up to %v, found %s", maxLongDuration, describe(v))
			}
		}
		*mode, *wait = &m, &d
		return ""
	}
}

func stringValue(dst **string) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		s, ok := scalar(v)
		if !ok {
			return "expected a string, found " + describe(v)
		}
		*dst = &s
		return ""
	}
}

func boolPtrValue(dst **bool) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		b, msg := parseBool(v)
		if msg == "" {
			*dst = &b
		}
		return msg
	}
}

func enumValue[T any](dst **T, values map[string]T) func(*yaml.Node) string {
	return func(v *yaml.Node) string {
		s, _ := scalar(v)
		x, ok := values[s]
		if !ok {
			names := make([]string, 0, len(values))
			for k := range values {
				names = append(names, strconv.Quote(k))
			}
			sortStrings(names)
			return fmt.Sprintf("expected one of %s, found %s", joinOr(names), describe(v))
		}
		*dst = &x
		return ""
	}
}
