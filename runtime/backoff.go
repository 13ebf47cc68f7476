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

// RetryConfig is a policy's resolved retry configuration.
type RetryConfig struct {
	// Attempts counts every call, the first one included; 1 disables retry.
	Attempts int
	// InitialDelay is the delay before the second attempt; each later delay
	// is Multiplier times the one before, capped at MaxDelay. A Multiplier
	// of 1 gives a constant backoff.
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
	d := float64(c.InitialDelay) * math.Pow(c.Multiplier, float64(n-1))
	if math.IsNaN(d) || d >= float64(c.MaxDelay) {
		return c.MaxDelay
	}
	return time.Duration(d)
}

// Delay is the backoff before attempt n+1, jitter applied after capping.
func (c *RetryConfig) Delay(n int) time.Duration {
	d := c.ceiling(n)
	if c.Jitter == NoJitter || d <= 0 {
		return d
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
