package httpbaldur

import (
	"io"
	"math"
	"net/http"
	"strconv"
	"time"
)

// StatusError is the error of an attempt whose response was judged a
// failure. It implements baldur.RetryAfterError: the runtime waits at
// least RetryAfter before the next attempt, capped by retry.max_delay.
type StatusError struct {
	Method     string
	URL        string // without query or user info, which may hold secrets
	StatusCode int
	Status     string // e.g. "503 Service Unavailable"
	// After is the delay Retry-After asked for; zero without one.
	After time.Duration
}

// NewStatusError describes resp. A Retry-After date is read against the
// response's own Date header when it has one, so that the client's clock
// skew does not change the delay.
func NewStatusError(resp *http.Response) *StatusError {
	e := &StatusError{StatusCode: resp.StatusCode, Status: resp.Status}
	if req := resp.Request; req != nil {
		e.Method = req.Method
		if req.URL != nil {
			u := *req.URL
			u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
			e.URL = u.String()
		}
	}
	now := time.Now()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		now = d
	}
	e.After, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	return e
}

func (e *StatusError) Error() string {
	s := "httpbaldur: "
	if e.Method != "" {
		s += e.Method + " " + e.URL + ": "
	}
	s += e.Status
	if e.Status == "" {
		s += strconv.Itoa(e.StatusCode)
	}
	if e.After > 0 {
		s += " (retry after " + e.After.String() + ")"
	}
	return s
}

// RetryAfter is the delay the server asked for, zero without one.
func (e *StatusError) RetryAfter() time.Duration { return e.After }

// ParseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number
// of seconds, or an HTTP date, which is read against now. A date in the
// past is a delay of zero; false means no valid value.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			// Too many digits for a uint64 is still a delay, and a long one.
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return time.Duration(math.MaxInt64), true
			}
			return 0, false
		}
		if secs > uint64(math.MaxInt64/int64(time.Second)) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// drainLimit is how much of a failed response's body Discard reads to
// keep its connection: net/http's client reads as much of a redirect's.
// A longer body costs more to read than a new connection.
const drainLimit = 2 << 10

// Discard drains (up to a few KiB) and closes the body of a response that
// will not be returned, so that its keep-alive connection serves the next
// attempt instead of being torn down. A nil response is fine.
func Discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	_ = resp.Body.Close()
}
