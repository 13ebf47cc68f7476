package baldur

import (
	"math"
	"testing"
	"time"
)

// R5: for attempts 1..10,000 the delay stays in [0, max_delay], the
// ceiling never decreases, and nothing overflows to zero or below.
func TestR5DelayBoundedForTenThousandAttempts(t *testing.T) {
	for _, c := range []RetryConfig{
		{InitialDelay: Set(100 * time.Millisecond), MaxDelay: Set(5 * time.Second), Multiplier: Set(2.0)},
		{InitialDelay: Set(time.Nanosecond), MaxDelay: Set(time.Hour), Multiplier: Set(100.0)},
		{InitialDelay: Set(time.Second), MaxDelay: Set(time.Duration(math.MaxInt64)), Multiplier: Set(1.5)},
		{InitialDelay: Set(3 * time.Second), MaxDelay: Set(time.Second), Multiplier: Set(2.0), Backoff: Set(ConstantBackoff)},
	} {
		prev := time.Duration(0)
		for n := 1; n <= 10000; n++ {
			ceil := c.ceiling(n)
			if ceil <= 0 || ceil > c.MaxDelay.v || ceil < prev {
				t.Fatalf("%+v attempt %d: ceiling %v after %v", c, n, ceil, prev)
			}
			prev = ceil
			if d := c.Delay(n); d < 0 || d > ceil {
				t.Fatalf("%+v attempt %d: delay %v outside [0, %v]", c, n, d, ceil)
			}
		}
		if c.ceiling(10000) != min(c.MaxDelay.v, max(c.InitialDelay.v, c.MaxDelay.v)) && c.Backoff.v != ConstantBackoff {
			t.Fatalf("%+v: ceiling at 10,000 is %v, want the cap", c, c.ceiling(10000))
		}
	}
}

func TestConstantBackoff(t *testing.T) {
	c := RetryConfig{InitialDelay: Set(200 * time.Millisecond), MaxDelay: Set(time.Second), Multiplier: Set(2.0), Backoff: Set(ConstantBackoff), Jitter: Set(NoJitter)}
	for n := 1; n <= 50; n++ {
		if d := c.Delay(n); d != 200*time.Millisecond {
			t.Fatalf("attempt %d: %v", n, d)
		}
	}
}

// R6: full jitter draws from [0, ceiling], and really spreads.
func TestR6FullJitterSpreads(t *testing.T) {
	c := RetryConfig{InitialDelay: Set(time.Second), MaxDelay: Set(time.Second), Multiplier: Set(2.0)}
	var sum, sumSq float64
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	const n = 10000
	for range n {
		d := c.Delay(1)
		if d < 0 || d > time.Second {
			t.Fatalf("delay %v outside [0, 1s]", d)
		}
		lo, hi = min(lo, d), max(hi, d)
		f := d.Seconds()
		sum += f
		sumSq += f * f
	}
	mean := sum / n
	variance := sumSq/n - mean*mean
	// Uniform on [0, 1]: mean 1/2, variance 1/12; allow generous slack.
	if math.Abs(mean-0.5) > 0.05 || math.Abs(variance-1.0/12) > 0.02 || hi-lo < 900*time.Millisecond {
		t.Fatalf("mean %.3f, variance %.4f, range %v..%v: not full jitter", mean, variance, lo, hi)
	}
}

func TestZeroDelayNeverJitters(t *testing.T) {
	c := RetryConfig{MaxDelay: Set(time.Second), Multiplier: Set(2.0)}
	for n := 1; n < 100; n++ {
		if d := c.Delay(n); d != 0 {
			t.Fatalf("attempt %d: %v", n, d)
		}
	}
}
