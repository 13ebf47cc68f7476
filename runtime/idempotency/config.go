package idempotency

import (
	"errors"
	"fmt"
	"time"
)

// NoWait, as Config.InFlightWait, makes a duplicate of a running call fail
// at once with ErrInFlight instead of waiting for its result.
const NoWait time.Duration = -1

// MissingKeyMode says what a call without a key does.
type MissingKeyMode uint8

const (
	// MissingKeyError refuses the call with ErrMissingKey.
	MissingKeyError MissingKeyMode = iota
	// MissingKeyRun runs the call without deduplication.
	MissingKeyRun
)

// Defaults, applied by New to zero fields of Config.
const (
	// DefaultTTL keeps results a day, the window Stripe promises, so a
	// client retrying the next morning still gets its first answer.
	DefaultTTL = 24 * time.Hour
	// DefaultLease is how long a crashed owner blocks its key. The owner
	// renews it while it runs, so it does not bound the call's duration.
	DefaultLease = 30 * time.Second
	// DefaultStoreTimeout bounds each store operation.
	DefaultStoreTimeout = 2 * time.Second
	// DefaultMaxClaimAttempts bounds claim/read disagreements.
	DefaultMaxClaimAttempts = 3
	// DefaultPollMin and DefaultPollMax bound the backoff of a caller that
	// waits for a call running in another process.
	DefaultPollMin = 10 * time.Millisecond
	DefaultPollMax = 500 * time.Millisecond
	// DefaultMaxKeyBytes is Stripe's key limit.
	DefaultMaxKeyBytes = 255
)

// Config tunes an Engine. The zero value is usable: every zero field takes
// its default.
type Config struct {
	// Namespace is hashed into every store key; set it (service name) when
	// several services share a store.
	Namespace string
	// TTL is how long a completed or permanently failed record answers
	// duplicates. Request.TTL overrides it per call.
	TTL time.Duration
	// Lease is how long an in-flight record blocks its key after its owner
	// stops renewing it (crashed, or RenewEvery < 0).
	Lease time.Duration
	// RenewEvery is the heartbeat that extends the lease while the call
	// runs; 0 means Lease/3, negative turns renewal off (then a call longer
	// than Lease can be taken over while it still runs). On a LocalStore
	// nothing is renewed: unless renewal is off, a claim holds the key
	// until the call ends.
	RenewEvery time.Duration
	// InFlightWait bounds how long a duplicate waits for a running call
	// before ErrInFlight: 0 waits for the outcome (or takes the key over
	// when the owner's lease ends, or stops when the caller's context ends);
	// NoWait fails at once.
	InFlightWait time.Duration
	// MissingKey: what a call with an empty key does.
	MissingKey MissingKeyMode
	// RequireTenant refuses calls whose context has no tenant.
	RequireTenant bool
	// IsPermanent marks failures that are stored and replayed to duplicates
	// as *StoredError. Other failures release the key so a retry runs again.
	// The runtime passes baldur.IsPermanent.
	IsPermanent func(error) bool
	// StoreTimeout bounds each store operation, in wall time; a LocalStore
	// is not bounded, since it does not block.
	StoreTimeout time.Duration
	// MaxClaimAttempts bounds claims that find the key neither free nor held.
	MaxClaimAttempts int
	// PollMin and PollMax bound the backoff between reads of a record held
	// by another process.
	PollMin, PollMax time.Duration
	// MaxKeyBytes caps the key's length; negative means no cap.
	MaxKeyBytes int
	// Codec encodes results for Do; JSONCodec when nil.
	Codec Codec
	// Clock is SystemClock when nil.
	Clock Clock
	// OnEvent, when set, is called synchronously at each step of a call;
	// it must be quick and must not call the engine.
	OnEvent func(Event)
}

func (c Config) withDefaults() (Config, error) {
	var errs []error
	neg := func(name string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("baldur: idempotency: %s must not be negative, got %v", name, d))
		}
	}
	neg("TTL", c.TTL)
	neg("Lease", c.Lease)
	neg("StoreTimeout", c.StoreTimeout)
	neg("PollMin", c.PollMin)
	neg("PollMax", c.PollMax)
	if c.MaxClaimAttempts < 0 {
		errs = append(errs, fmt.Errorf("baldur: idempotency: MaxClaimAttempts must not be negative, got %d", c.MaxClaimAttempts))
	}
	if c.MissingKey > MissingKeyRun {
		errs = append(errs, fmt.Errorf("baldur: idempotency: unknown MissingKey mode %d", c.MissingKey))
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.TTL, DefaultTTL)
	def(&c.Lease, DefaultLease)
	def(&c.StoreTimeout, DefaultStoreTimeout)
	def(&c.PollMin, DefaultPollMin)
	def(&c.PollMax, DefaultPollMax)
	def(&c.RenewEvery, c.Lease/3)
	if c.MaxClaimAttempts == 0 {
		c.MaxClaimAttempts = DefaultMaxClaimAttempts
	}
	if c.MaxKeyBytes == 0 {
		c.MaxKeyBytes = DefaultMaxKeyBytes
	}
	if c.Codec == nil {
		c.Codec = JSONCodec{}
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.PollMin > c.PollMax {
		errs = append(errs, fmt.Errorf("baldur: idempotency: PollMin %v is above PollMax %v", c.PollMin, c.PollMax))
	}
	if c.RenewEvery >= c.Lease {
		errs = append(errs, fmt.Errorf("baldur: idempotency: RenewEvery %v must be shorter than Lease %v", c.RenewEvery, c.Lease))
	}
	return c, errors.Join(errs...)
}

func (c *Config) permanent(err error) bool {
	return errors.Is(err, ErrCodec) || (c.IsPermanent != nil && c.IsPermanent(err))
}
