package baldur

import (
	"math"
	"math/rand/v2"
	"time"
)

// ceiling is the capped delay before attempt n+1 (n >= 1), before jitter.
// It is computed in floating point and compared with the cap before
// converting back, so no attempt number can overflow it to zero or below.
func (c *RetryConfig) ceiling(n int) time.Duration {
	initial, maxDelay := c.InitialDelay.v, c.MaxDelay.v
	if initial <= 0 || maxDelay <= 0 {
		return 0
	}
	if c.Backoff.v == ConstantBackoff || c.Multiplier.v <= 1 || n <= 1 {
		return min(initial, maxDelay)
	}
	d := float64(initial) * math.Pow(c.Multiplier.v, float64(n-1))
	if math.IsNaN(d) || d >= float64(maxDelay) {
		return maxDelay
	}
	return time.Duration(d)
}

// Delay is the backoff before attempt n+1, jitter applied after capping,
// so it always lies in [0, MaxDelay].
func (c *RetryConfig) Delay(n int) time.Duration {
	d := c.ceiling(n)
	if c.Jitter.v == NoJitter || d <= 0 {
		return d
	}
	if d == math.MaxInt64 { // d+1 would overflow Int64N's bound
		return time.Duration(rand.Int64N(int64(d)))
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
