package baldur

import "time"

// Config is the runtime configuration, read from baldur.yaml (WithConfigFile,
// WithConfigYAML) or built in Go (WithConfig). Each setting is declared
// once, as a field below: its key, type, default, bounds and meaning come
// from the field's tags, and the same declaration drives the YAML decoder,
// Validate, the merging of levels and docs/config.md.
//
// A policy resolves, once, when its decorator is built: built-in defaults <
// Defaults < the annotation < Policies[name] < the first matching override.
type Config struct {
	Mesh     MeshConfig               `yaml:"mesh" doc:"what the service mesh in front of this service already does"`
	Defaults PolicyConfig             `yaml:"defaults" section:"defaults" doc:"settings for every policy, below what annotations say"`
	Policies map[string]PolicyConfig  `yaml:"policies" section:"policy" doc:"settings for one policy, keyed by policy name; they win over annotations"`
	Breakers map[string]BreakerConfig `yaml:"breakers" section:"breaker" doc:"settings of one circuit breaker, keyed by breaker name (a bare breaker is named like its policy)"`
	Memory   MemoryStoreConfig        `yaml:"memory_store" doc:"bounds of the in-memory idempotency store the runtime uses when none is given"`
	DLQ      DeadLetterConfig         `yaml:"dlq" doc:"capture and replay of calls that failed for good"`
	Metrics  MetricsConfig            `yaml:"metrics" doc:"what package otelbaldur records beyond a call's policy and outcome"`

	// positions: where the YAML put each key, by key path, so that
	// Validate reports what a file says at the line that says it.
	positions map[string]position
	file      string
}

// MeshConfig says what the service mesh already does for this service.
type MeshConfig struct {
	OwnsNetworkRetries Opt[bool] `yaml:"owns_network_retries" default:"false" doc:"connection-level errors are retried by the mesh, not here; they still count for the breaker (docs/mesh.md)"`
}

// PolicyConfig is the configuration of one policy, or of every policy
// under Config.Defaults.
type PolicyConfig struct {
	Timeout     Opt[time.Duration] `yaml:"timeout" default:"0s" range:"0s,24h" doc:"per-attempt timeout; the attempt's context carries the deadline; 0 means none"`
	Retry       RetryConfig        `yaml:"retry"`
	Breaker     BreakerConfig      `yaml:"breaker" in:"defaults,policy"`
	Budget      BudgetConfig       `yaml:"budget" in:"defaults,policy"`
	Mesh        MeshConfig         `yaml:"mesh" in:"policy" doc:"overrides the top-level mesh setting for one policy"`
	Idempotency IdempotencyConfig  `yaml:"idempotency" in:"defaults,policy"`
	// Overrides change timeout and retry for calls whose PolicyContext
	// fields match, first match wins.
	Overrides []Override `yaml:"overrides" in:"policy" section:"override" doc:"a list of {when: {field: value}, timeout, retry}: the first whose when the call's fields match applies"`
}

// RetryConfig is how a policy retries. Policy.Config returns it resolved.
type RetryConfig struct {
	Attempts     Opt[int]           `yaml:"attempts" default:"3" range:"1,100" doc:"calls in all, the first one included; under defaults, what a bare retry makes; under a policy it turns retry on (or off, with 1) whatever the annotation says"`
	Backoff      Opt[Backoff]       `yaml:"backoff" default:"exponential" doc:"how the delay grows from one retry to the next"`
	InitialDelay Opt[time.Duration] `yaml:"initial_delay" default:"100ms" range:"0s,1h" doc:"delay before the second attempt, before jitter"`
	MaxDelay     Opt[time.Duration] `yaml:"max_delay" default:"5s" range:"0s,1h" doc:"cap on every delay, applied before jitter; at least initial_delay"`
	Multiplier   Opt[float64]       `yaml:"multiplier" default:"2" range:"1,100" doc:"growth factor of exponential backoff"`
	Jitter       Opt[Jitter]        `yaml:"jitter" default:"full" doc:"full: each delay is drawn uniformly from [0, capped delay]"`
}

// BreakerConfig configures a circuit breaker. Breakers are shared by name,
// so their settings live under Config.Breakers (and Defaults.Breaker); a
// policy's own section can only add or remove its breaker.
type BreakerConfig struct {
	Enabled         Opt[bool]          `yaml:"enabled" in:"policy" doc:"adds (true) or removes (false) the policy's breaker, whatever the annotation says"`
	MaxKeys         Opt[int]           `yaml:"max_keys" in:"defaults,breaker" default:"1000" range:"1,1000000" doc:"with breaker_key, the keys that keep a breaker of their own; the least recently used key's breaker is dropped and starts closed again"`
	Window          Opt[WindowKind]    `yaml:"window" in:"defaults,breaker" default:"count" doc:"sliding window of the last size calls, or of the calls of the last span"`
	Size            Opt[int]           `yaml:"size" in:"defaults,breaker" default:"100" range:"1,1048576" doc:"calls a count window holds"`
	Span            Opt[time.Duration] `yaml:"span" in:"defaults,breaker" default:"60s" range:"1ms,24h" doc:"period a time window covers"`
	Buckets         Opt[int]           `yaml:"buckets" in:"defaults,breaker" default:"60" range:"1,1000" doc:"slices of a time window, each at least 1ms; calls leave it one slice at a time"`
	MinimumCalls    Opt[int]           `yaml:"minimum_calls" in:"defaults,breaker" default:"20" range:"1,1048576" doc:"calls in the window before any rate is computed; at most size for a count window"`
	FailureRate     Opt[float64]       `yaml:"failure_rate" in:"defaults,breaker" default:"50" range:"(0,100" doc:"percent of failures that opens the breaker"`
	SlowCallRate    Opt[float64]       `yaml:"slow_call_rate" in:"defaults,breaker" default:"100" range:"(0,100" doc:"percent of slow calls that opens the breaker"`
	SlowCall        Opt[time.Duration] `yaml:"slow_call" in:"defaults,breaker" default:"0s" range:"0s,1h" doc:"duration from which a call counts as slow; 0 turns slow-call accounting (two clock reads a call) off"`
	OpenFor         Opt[time.Duration] `yaml:"open_for" in:"defaults,breaker" default:"30s" range:"1ms,24h" doc:"how long the breaker rejects calls before it lets probes through"`
	HalfOpenProbes  Opt[int]           `yaml:"half_open_probes" in:"defaults,breaker" default:"5" range:"1,1000" doc:"calls let through while half-open; that many successes close it, one failure opens it"`
	HalfOpenMaxWait Opt[time.Duration] `yaml:"half_open_max_wait" in:"defaults,breaker" default:"60s" range:"0s,24h" doc:"when the probes have not decided by then, the breaker opens again; 0 waits for them"`
}

// BudgetConfig is a policy's retry budget. Within any TTL, a policy may
// retry at most
//
//	MinRetriesPerSecond*TTL.Seconds() + Percent/100 * calls
//
// times, where calls are the protected calls counted in that TTL. Calls are
// counted only while the budget is active: from the first retryable
// failure until a whole TTL has passed without one. A healthy service
// therefore pays nothing for its budget; the fixed floor covers the start
// of an incident, before the counted calls add up.
type BudgetConfig struct {
	Enabled             Opt[bool]          `yaml:"enabled" default:"true" doc:"bound the retries of policies that retry"`
	Percent             Opt[float64]       `yaml:"percent" default:"20" range:"0,100" doc:"retries allowed as a share of the calls counted in the last ttl"`
	MinRetriesPerSecond Opt[float64]       `yaml:"min_retries_per_second" default:"10" range:"0,1000000" doc:"retries allowed whatever the traffic, per second of ttl"`
	TTL                 Opt[time.Duration] `yaml:"ttl" default:"10s" range:"1s,1m" doc:"how long calls and retries count, and how long the budget stays active after a failure"`
}

// IdempotencyConfig configures the methods annotated with idempotency_key.
type IdempotencyConfig struct {
	TTL           Opt[time.Duration] `yaml:"ttl" default:"24h" range:"1s,8784h" doc:"how long a result (or a failure marked Permanent) answers duplicates; the annotation's idempotency_ttl sets it too"`
	Lease         Opt[time.Duration] `yaml:"lease" default:"30s" range:"1s,24h" doc:"how long a crashed owner blocks its key; a running owner renews it every third of it"`
	InFlight      Opt[InFlight]      `yaml:"in_flight" default:"wait" doc:"what a duplicate of a running call does: wait for its outcome, fail at once with ErrInFlight, or wait at most a duration (up to 24h)"`
	MissingKey    Opt[MissingKey]    `yaml:"missing_key" default:"error" doc:"a call whose key is empty or behind a nil pointer: refused with ErrMissingKey, or run without deduplication"`
	RequireTenant Opt[bool]          `yaml:"require_tenant" default:"false" doc:"refuse calls whose context carries no tenant (baldur.WithTenant)"`
	Namespace     Opt[string]        `yaml:"namespace" in:"defaults" default:"" doc:"hashed into every key, so services sharing a store never share records"`
	StoreTimeout  Opt[time.Duration] `yaml:"store_timeout" default:"2s" range:"1ms,1m" doc:"bound on every operation of a store outside this process, whatever its client's own timeouts"`
	RenewEvery    Opt[time.Duration] `yaml:"renew_every" range:"0s,24h" doc:"how often a running owner renews its lease; unset: a third of the lease; 0s: never, so a call longer than the lease can be taken over"`
	// The rest tune how a call waits on a store shared with other
	// processes; the defaults suit most.
	MaxClaimAttempts Opt[int]           `yaml:"max_claim_attempts" default:"3" range:"1,100" doc:"claims that find a key neither free nor held before the call fails (a store that disagrees with itself)"`
	PollMin          Opt[time.Duration] `yaml:"poll_min" default:"10ms" range:"1ms,1m" doc:"first wait between reads of a key another process holds"`
	PollMax          Opt[time.Duration] `yaml:"poll_max" default:"500ms" range:"1ms,1m" doc:"longest wait between reads of a key another process holds"`
	MaxKeyBytes      Opt[int]           `yaml:"max_key_bytes" default:"255" range:"1,65536" doc:"longest idempotency key accepted, in bytes"`
}

// MemoryStoreConfig bounds the in-memory idempotency store.
type MemoryStoreConfig struct {
	MaxKeys        Opt[int]      `yaml:"max_keys" default:"10000" range:"1,100000000" doc:"records kept; the least recently used completed record leaves first"`
	MaxBytes       Opt[ByteSize] `yaml:"max_bytes" default:"64MiB" range:"1KiB,1TiB" doc:"bytes of stored results kept, counted like max_keys"`
	MaxResultBytes Opt[ByteSize] `yaml:"max_result_bytes" default:"1MiB" range:"1B,1GiB" doc:"a larger result is not stored: such a call is deduplicated only while it runs"`
}

// DeadLetterConfig says how dead letters are replayed.
type DeadLetterConfig struct {
	Interval     Opt[time.Duration] `yaml:"interval" default:"30s" range:"10ms,24h" doc:"how often due letters are looked for; a letter's own schedule backs off from it, jittered"`
	MaxBackoff   Opt[time.Duration] `yaml:"max_backoff" default:"1h" range:"10ms,168h" doc:"cap on the wait between two replays of one letter"`
	MaxReplays   Opt[int]           `yaml:"max_replays" default:"10" range:"1,1000" doc:"replays of a letter before it is parked for an operator"`
	Lease        Opt[time.Duration] `yaml:"lease" default:"1m" range:"1s,24h" doc:"how long a replay may take before another replica may take the letter over"`
	Batch        Opt[int]           `yaml:"batch" default:"32" range:"1,10000" doc:"letters claimed at a time"`
	Concurrency  Opt[int]           `yaml:"concurrency" default:"4" range:"1,1000" doc:"replays running at once"`
	StoreTimeout Opt[time.Duration] `yaml:"store_timeout" default:"2s" range:"1ms,1m" doc:"bound on every operation of the dead-letter store"`
}
