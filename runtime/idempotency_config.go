package baldur

import (
	"errors"
	"fmt"
	"time"
)

// InFlightMode says what a duplicate of a call that is still running does.
type InFlightMode uint8

const (
	// InFlightWait waits for the running call's outcome, at most
	// IdempotencyConfig.MaxWait when that is set.
	InFlightWait InFlightMode = iota
	// InFlightFail fails at once with ErrInFlight.
	InFlightFail
)

// MissingKeyMode says what a call without an idempotency key does.
type MissingKeyMode uint8

const (
	// MissingKeyRefuse refuses the call with ErrMissingKey.
	MissingKeyRefuse MissingKeyMode = iota
	// MissingKeyRun runs the call without deduplication.
	MissingKeyRun
)

// IdempotencyConfig is a policy's resolved idempotency configuration.
// Zero durations and counts take the defaults below.
type IdempotencyConfig struct {
	// TTL is how long a completed or permanently failed record answers
	// duplicates (default 24 h).
	TTL time.Duration
	// Lease is how long an in-flight record blocks its key after its owner
	// stops renewing it (default 30 s).
	Lease time.Duration
	// RenewEvery is the heartbeat that extends the lease while the call
	// runs: 0 means Lease/3, negative turns renewal off (then a call longer
	// than Lease can be taken over while it still runs). On a local store
	// nothing is renewed: unless renewal is off, a claim holds the key
	// until the call ends.
	RenewEvery time.Duration
	// InFlight and MaxWait: what a duplicate of a running call does.
	InFlight InFlightMode
	MaxWait  time.Duration
	// MissingKey: what a call with an empty key does.
	MissingKey MissingKeyMode
	// RequireTenant refuses calls whose context has no tenant.
	RequireTenant bool
	// Namespace is hashed into every store key; set it (the service name)
	// when several services share a store.
	Namespace string
	// StoreTimeout bounds each store operation, in wall time (default 2 s);
	// a local store is not bounded, since it does not block.
	StoreTimeout time.Duration
	// MaxClaimAttempts bounds claims that find the key neither free nor
	// held (default 3).
	MaxClaimAttempts int
	// PollMin and PollMax bound the backoff between reads of a record held
	// by another process (default 10 ms and 500 ms).
	PollMin, PollMax time.Duration
	// MaxKeyBytes caps the key's length (default 255); negative means no
	// cap.
	MaxKeyBytes int
}

// Idempotency defaults, applied to zero fields of IdempotencyConfig.
const (
	// defaultIdemTTL keeps results a day, the window Stripe promises, so a
	// client retrying the next morning still gets its first answer.
	defaultIdemTTL = 24 * time.Hour
	// defaultLease is how long a crashed owner blocks its key. The owner
	// renews it while it runs, so it does not bound the call's duration.
	defaultLease        = 30 * time.Second
	defaultStoreTimeout = 2 * time.Second
	defaultMaxClaims    = 3
	defaultPollMin      = 10 * time.Millisecond
	defaultPollMax      = 500 * time.Millisecond
	// defaultMaxKeyBytes is Stripe's key limit.
	defaultMaxKeyBytes = 255
)

// idemConfig is what an engine runs on: c with its defaults, and the
// runtime's clocks.
type idemConfig struct {
	IdempotencyConfig
	// clock times the engine's own work (lease renewal); calls times what a
	// call waits for (a duplicate's wait, polling another process's record,
	// the in-flight bound).
	clock, calls Clock
	// permanent marks failures that are stored and replayed to duplicates.
	permanent func(error) bool
}

// resolveIdempotency applies the defaults to c and checks it.
func resolveIdempotency(c IdempotencyConfig) (IdempotencyConfig, error) {
	var errs []error
	neg := func(name string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("baldur: idempotency: %s must not be negative, got %v", name, d))
		}
	}
	neg("TTL", c.TTL)
	neg("Lease", c.Lease)
	neg("MaxWait", c.MaxWait)
	neg("StoreTimeout", c.StoreTimeout)
	neg("PollMin", c.PollMin)
	neg("PollMax", c.PollMax)
	if c.MaxClaimAttempts < 0 {
		errs = append(errs, fmt.Errorf("baldur: idempotency: MaxClaimAttempts must not be negative, got %d", c.MaxClaimAttempts))
	}
	if c.MissingKey > MissingKeyRun {
		errs = append(errs, fmt.Errorf("baldur: idempotency: unknown MissingKey mode %d", c.MissingKey))
	}
	if c.InFlight > InFlightFail {
		errs = append(errs, fmt.Errorf("baldur: idempotency: unknown InFlight mode %d", c.InFlight))
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.TTL, defaultIdemTTL)
	def(&c.Lease, defaultLease)
	def(&c.StoreTimeout, defaultStoreTimeout)
	def(&c.PollMin, defaultPollMin)
	def(&c.PollMax, defaultPollMax)
	def(&c.RenewEvery, c.Lease/3)
	if c.MaxClaimAttempts == 0 {
		c.MaxClaimAttempts = defaultMaxClaims
	}
	if c.MaxKeyBytes == 0 {
		c.MaxKeyBytes = defaultMaxKeyBytes
	}
	if c.PollMin > c.PollMax {
		errs = append(errs, fmt.Errorf("baldur: idempotency: PollMin %v is above PollMax %v", c.PollMin, c.PollMax))
	}
	if c.RenewEvery >= c.Lease {
		errs = append(errs, fmt.Errorf("baldur: idempotency: RenewEvery %v must be shorter than Lease %v", c.RenewEvery, c.Lease))
	}
	return c, errors.Join(errs...)
}

func (c *idemConfig) isPermanent(err error) bool {
	return errors.Is(err, ErrCodec) || (c.permanent != nil && c.permanent(err))
}
