// Package httpbaldur teaches Baldur HTTP's answers: a response is a
// result, not an error, so a 503 is a success unless someone judges it.
//
//   - Classify is a classify= function for a method returning
//     (*http.Response, error): 408, 429, 502, 503 and 504 are retried,
//     other 5xx fail, 4xx are business outcomes.
//   - StatusError is the error a protected call reports for a response
//     judged a failure; it carries the response's Retry-After, which the
//     runtime honours as the minimum delay before the next attempt.
//   - Discard drains and closes a failed response before the next attempt,
//     so its connection goes back to the pool.
//   - Statuses, ServiceUnavailable, Transient, ... are values for retry_on,
//     abort_on and ignore that match a StatusError by status code.
//   - Call runs the attempts of a generated method that sends an
//     *http.Request or answers with an *http.Response (RoundTrip): a fresh
//     clone of the request per attempt, with its body from GetBody and
//     never an empty or half-read one (ErrBodyNotRewindable), transient
//     statuses judged failures, the last response returned as it is, and a
//     timeout that bounds the wait for the response but not the reading of
//     its body.
//
// It imports only the standard library and the runtime core.
package httpbaldur
