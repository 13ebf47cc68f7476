package httpbaldur

import (
	"errors"
	"io"
	"sync"
)

// ErrBodyNotRewindable is matched, with errors.Is, by the error of an
// attempt that was not retried because it had sent its request's body,
// which cannot be sent again: the request has no GetBody. http.NewRequest
// sets GetBody for a *bytes.Buffer, *bytes.Reader or *strings.Reader body;
// set it for any other body that can be read again.
var ErrBodyNotRewindable = errors.New("httpbaldur: the request body was sent and cannot be rewound (the request has no GetBody)")

// notRewindable is an attempt's failure that was not retried for want of
// a body to send again.
type notRewindable struct{ err error }

func (e *notRewindable) Error() string {
	return e.err.Error() + " (not retried: the request body was sent and cannot be rewound)"
}

func (e *notRewindable) Unwrap() []error { return []error{e.err, ErrBodyNotRewindable} }

// rewindError is GetBody's failure to give another attempt its body.
type rewindError struct{ err error }

func (e *rewindError) Error() string {
	return "httpbaldur: GetBody failed, so the request cannot be sent again: " + e.err.Error()
}

func (e *rewindError) Unwrap() error { return e.err }

// oneShot is a request body that cannot be rewound. An attempt reads it
// through a view; another attempt gets a new view only if no view was
// read from, which is the case when the first attempt failed before
// writing its body (a refused connection). The views hold back a
// transport's Close of an unread body, which Call.Result closes at the
// end.
type oneShot struct {
	body io.ReadCloser

	mu      sync.Mutex
	current *shotView // the one view that may read
	read    bool      // a view started reading: the body is spent
	closed  bool
}

type shotView struct{ s *oneShot }

// errSuperseded is what a view reads once another attempt's view took
// over: a transport that reads on after its RoundTrip returned must not
// take bytes the next attempt sends.
var errSuperseded = errors.New("httpbaldur: this attempt's request body was handed to another attempt")

func (v *shotView) Read(p []byte) (int, error) {
	s := v.s
	s.mu.Lock()
	if s.current != v {
		s.mu.Unlock()
		return 0, errSuperseded
	}
	if len(p) > 0 {
		// Spent from the first read on, whatever it returns: the read
		// may take bytes no later attempt could send.
		s.read = true
	}
	s.mu.Unlock()
	// Not under the lock: a body fed by a slow producer must not block
	// the next attempt's question, which is answered "spent" meanwhile.
	return s.body.Read(p)
}

// Close closes a spent body, as the transport asks; an unread one is kept
// for another attempt.
func (v *shotView) Close() error {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != v || !s.read {
		return nil
	}
	return s.closeLocked()
}

// replay returns a new view for the next attempt, or false when the body
// is spent.
func (s *oneShot) replay() (io.ReadCloser, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read || s.closed {
		return nil, false
	}
	v := &shotView{s: s}
	s.current = v
	return v, true
}

func (s *oneShot) spent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read
}

func (s *oneShot) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.closeLocked()
}

func (s *oneShot) closeLocked() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.body.Close()
}
