package redisbaldur_test

import (
	"context"
	"crypto/rand"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the tests look at the errors.
	redis.SetLogger(quiet{})
	goleak.VerifyTestMain(m)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var bg = context.Background()

// deadAddr is a loopback address nobody listens on any more.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// countingDialer dials like go-redis does and counts the dials.
func countingDialer(n *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return d.DialContext(ctx, network, addr)
	}
}

// newClient is a go-redis client, closed when the test ends.
func newClient(t *testing.T, opt *redis.Options) *redis.Client {
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// shared is a client of the shared test Redis and a key prefix no other
// test uses; the test's keys are deleted when it ends (never a flush).
func shared(t *testing.T) (*redis.Client, string) {
	t.Helper()
	addr := testenv.Env(t, "BALDUR_TEST_REDIS_ADDR", "the redisbaldur tests (e.g. 127.0.0.1:6379)")
	c := redis.NewClient(redisbaldur.Configure(&redis.Options{Addr: addr}))
	prefix := "redisbaldur-test:" + rand.Text() + ":"
	t.Cleanup(func() {
		keys, _ := c.Keys(bg, prefix+"*").Result()
		if len(keys) > 0 {
			c.Del(bg, keys...)
		}
		c.Close()
	})
	if err := c.Ping(bg).Err(); err != nil {
		t.Fatalf("BALDUR_TEST_REDIS_ADDR=%s does not answer: %v", addr, err)
	}
	return c, prefix
}

// stalled is a server that accepts connections and never answers: what a
// client sees of a redis-server stopped with SIGSTOP, whose kernel still
// completes handshakes and buffers commands.
type stalled struct {
	l        net.Listener
	accepted atomic.Int32
	received chan struct{} // gets a value for each connection's first bytes
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

func startStalled(t *testing.T) *stalled {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stalled{l: l, received: make(chan struct{}, 16)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *stalled) addr() string { return s.l.Addr().String() }

func (s *stalled) accept() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		s.accepted.Add(1)
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			buf := make([]byte, 1024)
			if _, err := c.Read(buf); err == nil {
				select {
				case s.received <- struct{}{}:
				default:
				}
			}
			for { // read and drop, never answer
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}()
	}
}

func (s *stalled) close() {
	s.l.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func newRuntime(t *testing.T, config string, opts ...baldur.Option) *baldur.Runtime {
	return baldurtest.NewRuntime(t, append(opts, baldur.WithConfigYAML([]byte(config)))...)
}

const noDelay = `
defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  cache: {size: 10, minimum_calls: 10}
`
