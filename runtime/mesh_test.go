package baldur_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// refusedDial dials a loopback port nobody listens on any more.
func refusedDial(t *testing.T) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
		t.Fatal("dial to a closed port succeeded")
	}
	return err
}

// resetRead reads from a connection the peer aborted with an RST.
func resetRead(t *testing.T) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialed, aborted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(aborted)
		c, err := l.Accept()
		if err != nil {
			return
		}
		<-dialed                      // abort only once the client is connected
		c.(*net.TCPConn).SetLinger(0) // close sends RST, not FIN
		c.Close()
	}()
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	close(dialed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-aborted
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	return err
}

func TestIsConnectionErrorOnRealSockets(t *testing.T) {
	for name, err := range map[string]error{
		"refused dial":   refusedDial(t),
		"reset":          resetRead(t),
		"eof":            io.EOF,
		"unexpected eof": io.ErrUnexpectedEOF,
	} {
		if !baldur.IsConnectionError(err) {
			t.Errorf("%s: IsConnectionError(%v) = false", name, err)
		}
	}
	for _, err := range []error{errBoom, context.DeadlineExceeded, &net.OpError{Op: "read", Err: errBoom}} {
		if baldur.IsConnectionError(err) {
			t.Errorf("IsConnectionError(%v) = true", err)
		}
	}
}

// With the mesh owning network retries, a refused dial is tried once by
// Baldur (the mesh retries it) but still counts against the breaker; an
// application error is still retried here.
func TestMeshOwnsNetworkRetries(t *testing.T) {
	refused := refusedDial(t)
	e := newEnv(t, `
mesh: {owns_network_retries: true}
defaults:
  retry: {initial_delay: 0s}
breakers:
  dep: {size: 10, minimum_calls: 10}
policies:
  local:
    mesh: {owns_network_retries: false}
`)
	p := e.policy(baldur.Spec{Name: "dep", Retry: true, Attempts: 3, Breaker: "dep"})
	var inner counter
	err := p.Do(bg, nil, inner.fn(refused))
	if inner.n() != 1 || !errors.Is(err, refused) {
		t.Fatalf("connection error: %d attempts, err %v; want 1 attempt", inner.n(), err)
	}
	if m := p.Breaker().Metrics(); m.Failures != 1 {
		t.Fatalf("breaker %+v: the connection error must count as a failure", m)
	}
	inner = counter{}
	p.Do(bg, nil, inner.fn(errBoom))
	if inner.n() != 3 {
		t.Fatalf("application error: %d attempts, want 3", inner.n())
	}
	local := e.policy(baldur.Spec{Name: "local", Retry: true, Attempts: 3})
	inner = counter{}
	local.Do(bg, nil, inner.fn(refused))
	if inner.n() != 3 {
		t.Fatalf("policy with mesh off: %d attempts, want 3", inner.n())
	}
}
