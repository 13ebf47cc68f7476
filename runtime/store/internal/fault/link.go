package fault

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
)

// link is one client connection and the proxy's connection to the target.
type link struct {
	client net.Conn
	ctx    context.Context // done once cut
	cancel context.CancelFunc

	mu     sync.Mutex
	server net.Conn // nil until dialed
	closed bool
}

func newLink(parent context.Context, client net.Conn) *link {
	ctx, cancel := context.WithCancel(parent)
	return &link{client: client, ctx: ctx, cancel: cancel}
}

// serve dials the target and copies both ways until both directions end.
func (p *Proxy) serve(l *link) {
	defer p.wg.Done()
	defer p.untrack(l)
	d := net.Dialer{Timeout: dialTimeout}
	server, err := d.DialContext(l.ctx, "tcp", p.target)
	if err != nil {
		l.cut() // the client sees the target's refusal as a reset
		return
	}
	if !l.attach(server) {
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.pipe(l, server, l.client)
	}()
	p.pipe(l, l.client, server)
	wg.Wait()
	l.close()
}

// pipe copies src to dst. Data and EOF read while the proxy is stalled are
// held, not dropped. An EOF is passed on as a half-close; any other error
// resets both sides, as the network would.
func (p *Proxy) pipe(l *link, src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(l) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				l.cut()
				return
			}
		}
		if errors.Is(err, io.EOF) {
			if !p.wait(l) { // a FIN does not cross a stalled network either
				return
			}
			if cw, ok := dst.(interface{ CloseWrite() error }); ok {
				_ = cw.CloseWrite()
			}
			return
		}
		if err != nil {
			l.cut()
			return
		}
	}
}

// attach records the target connection; false (and server closed) when the
// link was cut while dialing.
func (l *link) attach(server net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = server.Close()
		return false
	}
	l.server = server
	return true
}

// cut resets both connections (SO_LINGER 0 sends RST rather than FIN).
func (l *link) cut() { l.shut(true) }

// close ends both connections normally, once both directions are done.
func (l *link) close() { l.shut(false) }

func (l *link) shut(reset bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cancel()
	if l.closed {
		return
	}
	l.closed = true
	for _, c := range []net.Conn{l.client, l.server} {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	}
}
