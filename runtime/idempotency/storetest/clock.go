package storetest

import (
	"testing"
	"time"

	"github.com/baldur-go/baldur/runtime/baldurtest"
	"github.com/baldur-go/baldur/runtime/idempotency"
)

// Clock is the runtime's fake clock (package baldurtest) seen as an
// idempotency.Clock: it moves only when Advance is called, so leases and
// expiry are tested without sleeping.
type Clock struct {
	*baldurtest.Clock
}

// NewClock returns a fake clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{baldurtest.NewClock(start)} }

var _ idempotency.Clock = (*Clock)(nil)

// NewTimer returns a timer that fires when the clock reaches now+d.
func (c *Clock) NewTimer(d time.Duration) idempotency.Timer { return c.Clock.NewTimer(d) }

// shifted is the real clock moved to read at when it is created: racers
// that must start past a fake lease then poll in real time, and no test
// step moves time under a call that is still running.
type shifted struct {
	idempotency.SystemClock
	offset time.Duration
}

func shiftedTo(at time.Time) shifted { return shifted{offset: time.Until(at)} }

func (s shifted) Now() time.Time { return time.Now().Add(s.offset) }

// quiet waits until no timer is left, so that callers that gave up have
// stopped polling before a test counts timers again.
func (c *Clock) quiet(t testing.TB) {
	t.Helper()
	eventually(t, "abandoned waits stop", func() bool { return c.Timers() == 0 })
}
