package baldur

import (
	"time"
)

// Config is the runtime configuration: built-in defaults, then the file's
// defaults, then each policy's own section. Load one from YAML with
// WithConfigFile or WithConfigYAML, or build one and pass it to WithConfig.
type Config struct {
	Defaults PolicyConfig
	// Policies are keyed by policy name. A breaker's settings are looked up
	// under the breaker's name, which is the policy name for a bare breaker.
	Policies map[string]PolicyConfig
	Mesh     MeshConfig
}

// MeshConfig says what the service mesh already does.
type MeshConfig struct {
	// OwnsNetworkRetries leaves connection-level errors to the mesh: they
	// still count for the breaker but are not retried here.
	OwnsNetworkRetries bool
}

// PolicyConfig holds optional settings; nil means "not set at this level".
type PolicyConfig struct {
	Retry   RetrySettings
	Breaker BreakerSettings
	Budget  BudgetSettings
	Timeout *time.Duration
	// OwnsNetworkRetries, set on a policy, overrides Config.Mesh for it.
	OwnsNetworkRetries *bool
	Idempotency        IdempotencySettings
}

// IdempotencySettings are the optional idempotency settings of one level;
// see IdempotencyConfig for their meaning.
type IdempotencySettings struct {
	TTL        *time.Duration
	Lease      *time.Duration
	RenewEvery *time.Duration
	// InFlight: a duplicate of a running call waits for its outcome (at
	// most MaxWait, when set) or fails at once with ErrInFlight.
	InFlight      *InFlightMode
	MaxWait       *time.Duration
	MissingKey    *MissingKeyMode
	RequireTenant *bool
	// Namespace is read from defaults only: every policy of a service
	// shares it.
	Namespace        *string
	StoreTimeout     *time.Duration
	MaxClaimAttempts *int
	PollMin, PollMax *time.Duration
	MaxKeyBytes      *int
}

func (s *IdempotencySettings) apply(c *IdempotencyConfig) {
	set(&c.TTL, s.TTL)
	set(&c.Lease, s.Lease)
	set(&c.RenewEvery, s.RenewEvery)
	set(&c.InFlight, s.InFlight)
	set(&c.MaxWait, s.MaxWait)
	set(&c.MissingKey, s.MissingKey)
	set(&c.RequireTenant, s.RequireTenant)
	set(&c.Namespace, s.Namespace)
	set(&c.StoreTimeout, s.StoreTimeout)
	set(&c.MaxClaimAttempts, s.MaxClaimAttempts)
	set(&c.PollMin, s.PollMin)
	set(&c.PollMax, s.PollMax)
	set(&c.MaxKeyBytes, s.MaxKeyBytes)
}

// RetrySettings are the optional retry settings of one level.
type RetrySettings struct {
	// Attempts set on a policy turns retry on (or off, with 1) whatever the
	// annotation says; set in defaults it is the count a bare retry uses.
	Attempts     *int
	Backoff      *Backoff
	InitialDelay *time.Duration
	MaxDelay     *time.Duration
	Multiplier   *float64
	Jitter       *Jitter
}

// BreakerSettings are the optional breaker settings of one level.
type BreakerSettings struct {
	// Enabled set on a policy adds or removes its breaker.
	Enabled         *bool
	Window          *WindowKind
	Size            *int
	Span            *time.Duration
	Buckets         *int
	MinimumCalls    *int
	FailureRate     *float64
	SlowCallRate    *float64
	SlowCall        *time.Duration
	OpenFor         *time.Duration
	HalfOpenProbes  *int
	HalfOpenMaxWait *time.Duration
}

// BudgetSettings are the optional retry budget settings of one level.
type BudgetSettings struct {
	Enabled             *bool
	Percent             *float64
	MinRetriesPerSecond *float64
	TTL                 *time.Duration
}

// Built-in defaults; docs/config.md lists them.
var (
	defaultRetry = RetryConfig{
		Attempts:     3,
		Backoff:      ExponentialBackoff,
		InitialDelay: 100 * time.Millisecond,
		MaxDelay:     5 * time.Second,
		Multiplier:   2,
		Jitter:       FullJitter,
	}
	defaultBreaker = BreakerConfig{
		Window:          CountWindow,
		Size:            100,
		Span:            60 * time.Second,
		Buckets:         60,
		MinimumCalls:    20,
		FailureRate:     50,
		SlowCallRate:    100,
		OpenFor:         30 * time.Second,
		HalfOpenProbes:  5,
		HalfOpenMaxWait: 60 * time.Second,
	}
	defaultIdempotency = IdempotencyConfig{
		TTL:   defaultIdemTTL,
		Lease: defaultLease,
	}
	defaultBudget = BudgetConfig{
		Enabled:             true,
		Percent:             20,
		MinRetriesPerSecond: 10,
		TTL:                 10 * time.Second,
	}
)

// DefaultConfig is the configuration New uses when given none.
func DefaultConfig() *Config { return &Config{Policies: map[string]PolicyConfig{}} }

// resolved is one policy's configuration after every level is applied.
type resolved struct {
	retry   RetryConfig
	breaker string
	timeout time.Duration
	budget  BudgetConfig
	mesh    bool
	idem    IdempotencyConfig
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (r *RetrySettings) apply(c *RetryConfig) {
	set(&c.Attempts, r.Attempts)
	set(&c.Backoff, r.Backoff)
	set(&c.InitialDelay, r.InitialDelay)
	set(&c.MaxDelay, r.MaxDelay)
	set(&c.Multiplier, r.Multiplier)
	set(&c.Jitter, r.Jitter)
}

func (b *BreakerSettings) apply(c *BreakerConfig) {
	set(&c.Window, b.Window)
	set(&c.Size, b.Size)
	set(&c.Span, b.Span)
	set(&c.Buckets, b.Buckets)
	set(&c.MinimumCalls, b.MinimumCalls)
	set(&c.FailureRate, b.FailureRate)
	set(&c.SlowCallRate, b.SlowCallRate)
	set(&c.SlowCall, b.SlowCall)
	set(&c.OpenFor, b.OpenFor)
	set(&c.HalfOpenProbes, b.HalfOpenProbes)
	set(&c.HalfOpenMaxWait, b.HalfOpenMaxWait)
}

// tunes reports whether b sets anything besides Enabled.
func (b *BreakerSettings) tunes() bool {
	c := *b
	c.Enabled = nil
	return c != BreakerSettings{}
}

func (b *BudgetSettings) apply(c *BudgetConfig) {
	set(&c.Enabled, b.Enabled)
	set(&c.Percent, b.Percent)
	set(&c.MinRetriesPerSecond, b.MinRetriesPerSecond)
	set(&c.TTL, b.TTL)
}

// resolve applies built-in < file defaults < annotation < file policy.
func (c *Config) resolve(spec Spec) resolved {
	r := resolved{retry: defaultRetry, breaker: spec.Breaker, budget: defaultBudget, mesh: c.Mesh.OwnsNetworkRetries, idem: defaultIdempotency}
	c.Defaults.Retry.apply(&r.retry)
	c.Defaults.Idempotency.apply(&r.idem)
	if spec.DedupeTTL > 0 {
		r.idem.TTL = spec.DedupeTTL
	}
	c.Defaults.Budget.apply(&r.budget)
	set(&r.timeout, c.Defaults.Timeout)

	switch {
	case !spec.Retry:
		r.retry.Attempts = 1
	case spec.Attempts > 0:
		r.retry.Attempts = spec.Attempts
	}
	if spec.Timeout > 0 {
		r.timeout = spec.Timeout
	}

	pc := c.Policies[spec.Name]
	pc.Retry.apply(&r.retry)
	pc.Budget.apply(&r.budget)
	set(&r.timeout, pc.Timeout)
	set(&r.mesh, pc.OwnsNetworkRetries)
	namespace := r.idem.Namespace
	pc.Idempotency.apply(&r.idem)
	r.idem.Namespace = namespace
	if e := pc.Breaker.Enabled; e != nil {
		switch {
		case !*e:
			r.breaker = ""
		case r.breaker == "":
			r.breaker = spec.Name
		}
	}
	return r
}

// breaker resolves the settings of the breaker called name.
func (c *Config) breaker(name string) BreakerConfig {
	b := defaultBreaker
	c.Defaults.Breaker.apply(&b)
	pc := c.Policies[name]
	pc.Breaker.apply(&b)
	return b
}
