package fault

import (
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
)

// proxied starts a private redis behind a proxy.
func proxied(t *testing.T) (*Redis, *Proxy) {
	t.Helper()
	r := StartRedis(t)
	return r, NewProxy(t, r.Addr())
}

func TestProxyForwards(t *testing.T) {
	leakCheck(t)
	_, p := proxied(t)
	c := dial(t, p.Addr())
	if v := do(t, c, "PING"); v != "PONG" {
		t.Fatalf("PING through the proxy = %v", v)
	}
	if n := p.Conns(); n != 1 {
		t.Fatalf("Conns = %d with one client, want 1", n)
	}
	c.Close()
	testenv.Eventually(t, "Conns back to 0 once the client closed", func() bool { return p.Conns() == 0 })
}

// A stalled proxy keeps the connection and forwards nothing; once resumed,
// what was held gets through.
func TestProxyStall(t *testing.T) {
	leakCheck(t)
	_, p := proxied(t)
	c := dial(t, p.Addr())
	do(t, c, "PING")
	p.Stall()
	if !pingTimesOut(t, c) {
		t.Fatal("PING got through a stalled proxy")
	}
	if n := p.Conns(); n != 1 {
		t.Fatalf("Conns = %d while stalled, want 1: a stall keeps connections", n)
	}
	p.Resume()
	if v := pendingReply(t, c); v != "PONG" {
		t.Fatalf("PING after Resume = %v", v)
	}
}

// A stall holds new connections too, and the proxy still closes cleanly
// (leakCheck) with a stall in place.
func TestProxyStallNewConn(t *testing.T) {
	leakCheck(t)
	_, p := proxied(t)
	p.Stall()
	c := dial(t, p.Addr())
	if !pingTimesOut(t, c) {
		t.Fatal("PING on a new connection got through a stalled proxy")
	}
}

// CutAll resets every connection; the client gets an error, and a new
// connection works.
func TestProxyCutAll(t *testing.T) {
	leakCheck(t)
	_, p := proxied(t)
	c1, c2 := dial(t, p.Addr()), dial(t, p.Addr())
	do(t, c1, "PING")
	do(t, c2, "PING")
	p.CutAll()
	for _, c := range []*respConn{c1, c2} {
		if v, err := c.do("PING"); err == nil {
			t.Fatalf("PING after CutAll = %v, want an error", v)
		}
	}
	testenv.Eventually(t, "Conns 0 after CutAll", func() bool { return p.Conns() == 0 })
	do(t, dial(t, p.Addr()), "PING")
}

// Refuse resets new connections and leaves current ones alone.
func TestProxyRefuse(t *testing.T) {
	leakCheck(t)
	_, p := proxied(t)
	old := dial(t, p.Addr())
	do(t, old, "PING")
	p.Refuse(true)
	if !newConnFails(t, p.Addr()) {
		t.Fatal("PING on a new connection to a refusing proxy succeeded")
	}
	do(t, old, "PING")
	p.Refuse(false)
	do(t, dial(t, p.Addr()), "PING")
}

// Faults compose: a killed target resets the client's connection through
// the proxy, and a restarted one is reachable again at the same address.
func TestProxyTargetKilled(t *testing.T) {
	leakCheck(t)
	r, p := proxied(t)
	c := dial(t, p.Addr())
	do(t, c, "PING")
	r.Kill()
	if v, err := c.do("PING"); err == nil {
		t.Fatalf("PING through the proxy to a killed redis = %v, want an error", v)
	}
	if !newConnFails(t, p.Addr()) {
		t.Fatal("PING on a new connection to a killed redis succeeded")
	}
	r.Restart()
	do(t, dial(t, p.Addr()), "PING")
}

// newConnFails reports whether a new connection to addr fails to PING. The
// proxy resets it as soon as it is accepted, which on loopback can reach
// the client before its connect returns, so the dial may be what fails.
func newConnFails(t *testing.T, addr string) bool {
	t.Helper()
	c, err := dialRESP(addr, waitTimeout)
	if err != nil {
		t.Logf("dial: %v", err)
		return true
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	v, err := c.do("PING")
	t.Logf("PING: %v, %v", v, err)
	return err != nil
}
