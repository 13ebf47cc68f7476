// Package redisbaldur teaches Baldur go-redis's errors and sets go-redis up
// to run inside Baldur's attempts.
//
//   - Classify is a classify= function: redis.Nil (a missing key) and the
//     server's answers about the command (WRONGTYPE, ...) are business
//     outcomes, a pool timeout and the server's "not now" replies (LOADING,
//     READONLY, TRYAGAIN, ...) are retried, and network errors are left to
//     the runtime, which recognises them itself.
//   - Configure turns off go-redis's own retries and makes it honour the
//     attempt's context, so that Baldur's retries are the only ones and a
//     dead address fails at once with its real cause.
//   - Transient and Reply match for retry_on, abort_on and ignore;
//     redis.Nil and redis.ErrPoolTimeout are sentinels and need no matcher.
//
// It imports go-redis and the runtime core, nothing else.
package redisbaldur
