package storetest

import (
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// shifted is the real clock moved to read at when it is created: racers
// that must start past a fake lease then poll in real time, and no test
// step moves time under a call that is still running.
type shifted struct {
	baldur.SystemClock
	offset time.Duration
}

func shiftedTo(at time.Time) shifted { return shifted{offset: time.Until(at)} }

func (s shifted) Now() time.Time { return time.Now().Add(s.offset) }

// quiet waits until no timer is left on c, so that callers that gave up
// have stopped polling before a test counts timers again.
func quiet(t testing.TB, c *baldurtest.Clock) {
	t.Helper()
	testenv.Eventually(t, "abandoned waits stop", func() bool { return c.Timers() == 0 })
}
