package redisbaldur

import "github.com/redis/go-redis/v9"

// Configure sets up opt for a client whose calls Baldur protects, and
// returns it:
//
//   - MaxRetries -1: go-redis makes one try per Baldur attempt. Its
//     default, 3 retries, makes 4 tries of every attempt, so 3 attempts
//     reach a failing server 12 times, outside the retry budget.
//   - DialerRetries 1: one dial per try. Its default, 5 dials 100 ms apart,
//     turns a refused connection into 400 ms of waiting and, under any
//     deadline shorter than that, into "context deadline exceeded": the
//     cause is gone, and with it the mesh switch and the breaker's reason.
//   - ContextTimeoutEnabled: socket reads and writes end at the attempt's
//     deadline, so timeout= bounds a command against a stalled server
//     instead of ReadTimeout (5 s by default).
//
// Set anything else (DialTimeout, ReadTimeout, PoolSize) as usual.
func Configure(opt *redis.Options) *redis.Options {
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.ContextTimeoutEnabled = true
	return opt
}
