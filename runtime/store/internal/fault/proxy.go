package fault

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// dialTimeout bounds the proxy's dial of its target.
const dialTimeout = 5 * time.Second

// Proxy forwards TCP connections from a loopback port to a target, and can
// fail them the ways a network does. Its methods are safe to call from any
// goroutine.
type Proxy struct {
	target string
	ln     net.Listener
	ctx    context.Context // cancelled when the proxy closes
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and every link's goroutines

	mu      sync.Mutex
	gate    chan struct{} // closed while forwarding; open while stalled
	refuse  bool
	links   map[*link]struct{}
	closing bool
}

// NewProxy listens on a free loopback port and forwards every connection to
// target (host:port). It closes at t.Cleanup, ending every goroutine it ran.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fault.NewProxy: %v", err)
	}
	gate := make(chan struct{})
	close(gate)
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{target: target, ln: ln, ctx: ctx, cancel: cancel, gate: gate, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's host:port; clients dial it instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stall stops forwarding in both directions; connections stay open and new
// ones are accepted, so clients see a hang rather than an error.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
		p.gate = make(chan struct{})
	default: // already stalled
	}
}

// Resume forwards again, starting with whatever was held while stalled.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
	default:
		close(p.gate)
	}
}

// CutAll resets every current connection on both sides, as a network cut
// would: clients and the target see a connection reset.
func (p *Proxy) CutAll() {
	for _, l := range p.current() {
		l.cut()
	}
}

// Refuse makes new connections be reset as soon as they are accepted (on)
// or forwarded again (off). Current connections are left alone.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
}

// Conns is the number of connections currently open through the proxy.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed; any other Accept error would stop a test proxy too
		}
		l := newLink(p.ctx, c)
		if !p.track(l) {
			l.cut()
			continue
		}
		p.wg.Add(1)
		go p.serve(l)
	}
}

// track registers a new link unless the proxy refuses or is closing.
func (p *Proxy) track(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refuse || p.closing {
		return false
	}
	p.links[l] = struct{}{}
	return true
}

func (p *Proxy) untrack(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, l)
}

func (p *Proxy) current() []*link {
	p.mu.Lock()
	defer p.mu.Unlock()
	ls := make([]*link, 0, len(p.links))
	for l := range p.links {
		ls = append(ls, l)
	}
	return ls
}

// wait holds a link's forwarding while the proxy is stalled; false means
// the link was cut meanwhile.
func (p *Proxy) wait(l *link) bool {
	p.mu.Lock()
	gate := p.gate
	p.mu.Unlock()
	select {
	case <-gate:
		return true
	case <-l.ctx.Done():
		return false
	}
}

// close stops accepting, cuts every link and waits for every goroutine.
func (p *Proxy) close() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	_ = p.ln.Close()
	p.cancel()
	p.CutAll()
	p.wg.Wait()
}
