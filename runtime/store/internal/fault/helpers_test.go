package fault

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// waitTimeout bounds every wait in these tests; they take milliseconds.
const waitTimeout = 10 * time.Second

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// leakCheck, called first, runs after every cleanup the test registers
// later (cleanups run last-in first-out), so it sees the proxy and the
// server already stopped.
func leakCheck(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// dial opens a raw RESP connection, closed at cleanup.
func dial(t *testing.T, addr string) *respConn {
	t.Helper()
	c, err := dialRESP(addr, waitTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// do runs one command with a generous deadline and fails the test on error.
func do(t *testing.T, c *respConn, args ...string) any {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	v, err := c.do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// pingTimesOut sends PING and reports whether no reply came within 100 ms,
// the client's view of a hung server or network.
func pingTimesOut(t *testing.T, c *respConn) bool {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	if err := c.send("PING"); err != nil {
		t.Fatalf("send PING: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	v, err := c.reply()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	t.Logf("PING answered %v, %v", v, err)
	return false
}

// pendingReply reads the reply to a command sent before, with a generous
// deadline.
func pendingReply(t *testing.T, c *respConn) any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	v, err := c.reply()
	if err != nil {
		t.Fatalf("pending reply: %v", err)
	}
	return v
}

// gone reports whether no process has the pid any more (it was reaped).
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
