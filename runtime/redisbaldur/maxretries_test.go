package redisbaldur_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

// loading answers every GET with the LOADING reply of a server that is
// still reading its data set, and counts the GETs.
type loading struct {
	l    net.Listener
	gets atomic.Int32
	wg   sync.WaitGroup
	mu   sync.Mutex
	cs   []net.Conn
}

func startLoading(t *testing.T) *loading {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &loading{l: l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.cs = append(s.cs, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go s.serve(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		s.mu.Lock()
		for _, c := range s.cs {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *loading) serve(c net.Conn) {
	defer s.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		// Commands are small; each arrives whole in one read here. HELLO
		// is refused as an old server would, so the client talks RESP2.
		cmd := bytes.ToUpper(buf[:n])
		if bytes.Contains(cmd, []byte("\r\nHELLO\r\n")) {
			c.Write([]byte("-ERR unknown command 'HELLO'\r\n"))
		}
		for range bytes.Count(cmd, []byte("\r\nGET\r\n")) {
			s.gets.Add(1)
			c.Write([]byte("-LOADING Redis is loading the dataset in memory\r\n"))
		}
	}
}

// go-redis retries a LOADING reply itself, MaxRetries (3) times: under
// Baldur's 3 attempts the server gets 12 GETs. Configured, it gets 3.
func TestGoRedisMaxRetriesMultiplyAttempts(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  *redis.Options
		want int32
	}{
		{"defaults", &redis.Options{MinRetryBackoff: -1}, 12},
		{"configured", redisbaldur.Configure(&redis.Options{}), 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startLoading(t)
			c.opt.Addr, c.opt.Protocol, c.opt.DisableIdentity = s.l.Addr().String(), 2, true
			rc := newClient(t, c.opt)
			p := newRuntime(t, noDelay).Policy(baldur.Spec{Name: "cache", Method: "t.Cache.Get", Retry: true, Attempts: 3})
			err := p.Do(bg, nil, func(ctx context.Context) error { return rc.Get(ctx, "k").Err() })
			if n := s.gets.Load(); n != c.want || redisbaldur.Classify(baldur.PolicyContext{}, err) == baldur.DecideDefault {
				t.Fatalf("%d GETs reached the server, err %v; want %d", n, err, c.want)
			}
		})
	}
}
