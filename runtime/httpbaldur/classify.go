package httpbaldur

import (
	"net/http"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Classify is a classify= function for methods returning
// (*http.Response, error), such as http.RoundTripper's RoundTrip. An error
// (no response) is left to the runtime: connection errors, timeouts and the
// mesh switch are its rules. A response is judged by Decide.
func Classify(_ baldur.PolicyContext, resp *http.Response, err error) baldur.Decision {
	if err != nil || resp == nil {
		return baldur.DecideDefault
	}
	return Decide(resp.StatusCode)
}

// Decide judges a status code:
//
//   - 408, 429, 502, 503, 504: the server, or a proxy in front of it, did
//     not take the request now; another attempt may succeed (DecideRetry).
//     408 is the server giving up on reading the request.
//   - any other 5xx: the server failed the request (DecideFail): it counts
//     against the breaker but is not retried, since the server may have
//     acted on it and would likely fail the same way.
//   - 4xx: an answer about the request (DecideIgnore): asking again gets
//     the same answer, and a healthy server must not open the breaker.
//   - anything else is a success (DecideDefault).
func Decide(code int) baldur.Decision {
	switch {
	case Transient(code):
		return baldur.DecideRetry
	case code >= 500 && code <= 599:
		return baldur.DecideFail
	case code >= 400 && code <= 499:
		return baldur.DecideIgnore
	}
	return baldur.DecideDefault
}

// Transient reports whether code says "not now" rather than "no": 408,
// 429, 502, 503 and 504. A protected call without a classify function
// treats these, and only these, as failures.
func Transient(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
