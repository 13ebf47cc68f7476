package baldur

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Range limits of the settings; the YAML loader reports values outside
// them, and docs/config.md lists them.
const (
	maxAttempts      = 100
	maxDelayLimit    = time.Hour
	maxMultiplier    = 100
	maxBuckets       = 1000
	maxProbes        = 1000
	maxLongDuration  = 24 * time.Hour
	minBudgetTTL     = time.Second
	maxBudgetTTL     = time.Minute
	maxRetriesPerSec = 1e6
	minBucketWidth   = time.Millisecond
	maxPercent       = 100
	// maxIdempotencyTTL matches the generator's idempotency_ttl bound.
	maxIdempotencyTTL = 366 * 24 * time.Hour
)

// checkRanges reports values outside their limits, for configurations
// built in Go; the YAML loader reports them with positions instead.
func checkRanges(r RetryConfig, b BreakerConfig, g BudgetConfig) []string {
	var out []string
	bad := func(ok bool, key string, v any) {
		if !ok {
			out = append(out, fmt.Sprintf("%s: %v is out of range", key, v))
		}
	}
	bad(r.Attempts >= 1 && r.Attempts <= maxAttempts, "retry.attempts", r.Attempts)
	bad(r.InitialDelay >= 0 && r.InitialDelay <= maxDelayLimit, "retry.initial_delay", r.InitialDelay)
	bad(r.MaxDelay >= 0 && r.MaxDelay <= maxDelayLimit, "retry.max_delay", r.MaxDelay)
	bad(r.Multiplier >= 1 && r.Multiplier <= maxMultiplier, "retry.multiplier", r.Multiplier)
	bad(b.Size >= 1 && b.Size <= maxWindowSize, "breaker.size", b.Size)
	bad(b.Span > 0 && b.Span <= maxLongDuration, "breaker.span", b.Span)
	bad(b.Buckets >= 1 && b.Buckets <= maxBuckets, "breaker.buckets", b.Buckets)
	bad(b.MinimumCalls >= 1 && b.MinimumCalls <= maxWindowSize, "breaker.minimum_calls", b.MinimumCalls)
	bad(b.FailureRate > 0 && b.FailureRate <= maxPercent, "breaker.failure_rate", b.FailureRate)
	bad(b.SlowCallRate > 0 && b.SlowCallRate <= maxPercent, "breaker.slow_call_rate", b.SlowCallRate)
	bad(b.SlowCall >= 0 && b.SlowCall <= maxDelayLimit, "breaker.slow_call", b.SlowCall)
	bad(b.OpenFor >= minBucketWidth && b.OpenFor <= maxLongDuration, "breaker.open_for", b.OpenFor)
	bad(b.HalfOpenProbes >= 1 && b.HalfOpenProbes <= maxProbes, "breaker.half_open_probes", b.HalfOpenProbes)
	bad(b.HalfOpenMaxWait >= 0 && b.HalfOpenMaxWait <= maxLongDuration, "breaker.half_open_max_wait", b.HalfOpenMaxWait)
	bad(g.Percent >= 0 && g.Percent <= maxPercent, "budget.percent", g.Percent)
	bad(g.MinRetriesPerSecond >= 0 && g.MinRetriesPerSecond <= maxRetriesPerSec, "budget.min_retries_per_second", g.MinRetriesPerSecond)
	bad(g.TTL >= minBudgetTTL && g.TTL <= maxBudgetTTL, "budget.ttl", g.TTL)
	return out
}

// checkRetry reports what is wrong with a resolved retry configuration as
// a combination; single values are range-checked where they are read.
func checkRetry(c RetryConfig) []string {
	var out []string
	if c.MaxDelay < c.InitialDelay {
		out = append(out, fmt.Sprintf("retry.max_delay (%v) is below retry.initial_delay (%v)", c.MaxDelay, c.InitialDelay))
	}
	return out
}

func checkBreaker(c BreakerConfig) []string {
	var out []string
	switch c.Window {
	case CountWindow:
		if c.MinimumCalls > c.Size {
			out = append(out, fmt.Sprintf("breaker.minimum_calls (%d) is above breaker.size (%d): the breaker could never open", c.MinimumCalls, c.Size))
		}
	case TimeWindow:
		if c.Buckets > 0 && c.Span/time.Duration(c.Buckets) < minBucketWidth {
			out = append(out, fmt.Sprintf("breaker.span (%v) cut into %d buckets is below %v a bucket", c.Span, c.Buckets, minBucketWidth))
		}
	}
	return out
}

// Validate checks every section of c as it resolves: the built-in
// defaults, then c.Defaults, then each policy's own settings. WithConfig
// calls it; the YAML loader runs the same checks with line numbers.
func (c *Config) Validate() error {
	var errs []error
	check := func(where string, pc PolicyConfig) {
		r := defaultRetry
		c.Defaults.Retry.apply(&r)
		pc.Retry.apply(&r)
		b := defaultBreaker
		c.Defaults.Breaker.apply(&b)
		pc.Breaker.apply(&b)
		g := defaultBudget
		c.Defaults.Budget.apply(&g)
		pc.Budget.apply(&g)
		problems := append(checkRanges(r, b, g), checkRetry(r)...)
		for _, p := range append(problems, checkBreaker(b)...) {
			errs = append(errs, fmt.Errorf("baldur: config: %s: %s", where, p))
		}
	}
	check("defaults", PolicyConfig{})
	names := make([]string, 0, len(c.Policies))
	for n := range c.Policies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		check("policies."+n, c.Policies[n])
	}
	return errors.Join(errs...)
}

func sortStrings(s []string) { sort.Strings(s) }

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}
