package testenv

import (
	"testing"
	"time"
)

// EventuallyWithin bounds how long Eventually waits: long enough for a
// loaded CI machine running the race detector, short enough that a state
// which never comes fails the test instead of hanging it.
const EventuallyWithin = 30 * time.Second

// Eventually polls cond every millisecond until it holds, and fails the test
// if it has not held within EventuallyWithin. It is for state another
// goroutine or process reaches (a queue drained, a server paused), never for
// waiting out a duration.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(EventuallyWithin)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", EventuallyWithin, what)
		}
		<-tick.C
	}
}
