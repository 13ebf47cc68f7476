package baldur

import (
	"math"
	"math/rand/v2"
	"time"
)

// Jitter selects how a backoff delay is randomised.
type Jitter int

const (
	// FullJitter draws the delay uniformly from [0, capped delay].
	FullJitter Jitter = iota
	// NoJitter uses the capped delay as is.
	NoJitter
)

// Backoff selects how the delay grows from one retry to the next.
type Backoff int

const (
	// ExponentialBackoff multiplies the delay by Multiplier on each retry.
	ExponentialBackoff Backoff = iota
	// ConstantBackoff waits InitialDelay before every retry.
	ConstantBackoff
)

// RetryConfig is a policy's resolved retry configuration.
type RetryConfig struct {
	// Attempts counts every call, the first one included; 1 disables retry.
	Attempts int
	Backoff  Backoff
	// InitialDelay is the delay before the second attempt; with
	// ExponentialBackoff each later delay is Multiplier times the one
	// before. Every delay is capped at MaxDelay before jitter.
	InitialDelay time.Duration
	MaxDelay     time.Duration
	Multiplier   float64
	Jitter       Jitter
}

// ceiling is the capped delay before attempt n+1 (n >= 1), before jitter.
// It is computed in floating point and compared with the cap before
// converting back, so no attempt number can overflow it to zero or below.
func (c *RetryConfig) ceiling(n int) time.Duration {
	if c.InitialDelay <= 0 || c.MaxDelay <= 0 {
		return 0
	}
	if c.Backoff == ConstantBackoff || c.Multiplier <= 1 || n <= 1 {
		return min(c.InitialDelay, c.MaxDelay)
	}
	d := float64(c.InitialDelay) * math.Pow(c.Multiplier, float64(n-1))
	if math.IsNaN(d) || d >= float64(c.MaxDelay) {
		return c.MaxDelay
	}
	return time.Duration(d)
}

// Delay is the backoff before attempt n+1, jitter applied after capping,
// so it always lies in [0, MaxDelay].
func (c *RetryConfig) Delay(n int) time.Duration {
	d := c.ceiling(n)
	if c.Jitter == NoJitter || d <= 0 {
		return d
	}
	if d == math.MaxInt64 { // d+1 would overflow Int64N's bound
		return time.Duration(rand.Int64N(int64(d)))
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
