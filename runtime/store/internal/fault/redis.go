package fault

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
)

// startTimeout bounds the wait for a new redis-server to answer PING, and
// the wait for a killed one to be reaped; both take milliseconds.
const startTimeout = 10 * time.Second

// errPortTaken says another process bound the port first; a new one is tried.
var errPortTaken = errors.New("port already in use")

// Redis is a private redis-server that nothing but the test uses. Its
// methods call t.Fatalf, so call them from the test's goroutine.
type Redis struct {
	t    testing.TB
	path string
	dir  string
	args []string
	port int

	mu   sync.Mutex
	proc *process // nil once killed
}

// StartRedis starts a redis-server on a free loopback port, with nothing
// saved to disk, args appended to its command line (e.g. "--maxmemory",
// "1mb"), and waits until it answers PING. It is killed at t.Cleanup.
func StartRedis(t testing.TB, args ...string) *Redis {
	t.Helper()
	// A mistake in the test is reported even where redis-server is missing.
	for _, a := range args {
		// These would point the server at the shared one's port or files, or
		// detach it from the pid we stop it by.
		if slices.Contains([]string{"--port", "--bind", "--dir", "--daemonize"}, a) {
			t.Fatalf("fault.StartRedis: %s is chosen by the package, not by the test", a)
		}
	}
	path := testenv.Program(t, "redis-server", "the store fault tests")
	r := &Redis{t: t, path: path, dir: t.TempDir(), args: args}
	t.Cleanup(r.stop)
	var err error
	for range 5 {
		if r.port, err = freePort(); err != nil {
			break
		}
		var p *process
		if p, err = r.start(); err == nil {
			r.proc = p
			return r
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("fault.StartRedis: %v", err)
	return nil
}

// Addr is the server's host:port.
func (r *Redis) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// Pid is the running server's process id, 0 after Kill.
func (r *Redis) Pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return 0
	}
	return r.proc.cmd.Process.Pid
}

// Pause stops the process (SIGSTOP): connections stay open and nothing is
// answered, like a server stuck in a long GC pause or a frozen VM. It
// returns once the kernel reports the process stopped.
func (r *Redis) Pause() {
	r.t.Helper()
	p := r.running("Pause")
	if err := p.pause(); err != nil {
		r.t.Fatalf("fault: pause redis-server: %v", err)
	}
}

// Resume continues a paused process (SIGCONT).
func (r *Redis) Resume() {
	r.t.Helper()
	if err := r.running("Resume").resume(); err != nil {
		r.t.Fatalf("fault: resume redis-server: %v", err)
	}
}

// Kill ends the process with SIGKILL, as a crash would, and reaps it.
func (r *Redis) Kill() {
	r.t.Helper()
	p := r.running("Kill")
	r.mu.Lock()
	r.proc = nil
	r.mu.Unlock()
	if err := p.kill(); err != nil {
		r.t.Fatalf("fault: kill redis-server: %v", err)
	}
}

// Restart kills the process if it runs and starts a new one on the same
// port. It comes back empty: nothing was saved.
func (r *Redis) Restart() {
	r.t.Helper()
	r.mu.Lock()
	old := r.proc
	r.proc = nil
	r.mu.Unlock()
	if old != nil {
		if err := old.kill(); err != nil {
			r.t.Fatalf("fault: kill redis-server: %v", err)
		}
	}
	p, err := r.start()
	if err != nil {
		r.t.Fatalf("fault: restart redis-server on %s: %v", r.Addr(), err)
	}
	r.mu.Lock()
	r.proc = p
	r.mu.Unlock()
}

func (r *Redis) running(op string) *process {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		r.t.Fatalf("fault: Redis.%s: redis-server is not running (killed)", op)
	}
	return r.proc
}

// stop is the cleanup: whatever runs is resumed, killed and reaped.
func (r *Redis) stop() {
	r.mu.Lock()
	p := r.proc
	r.proc = nil
	r.mu.Unlock()
	if p != nil {
		if err := p.kill(); err != nil {
			r.t.Errorf("fault: stop redis-server: %v", err)
		}
	}
}

// start runs a new redis-server on r.port and waits until it answers.
func (r *Redis) start() (*process, error) {
	argv := append([]string{
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir,
	}, r.args...)
	p, err := startProcess(r.path, argv)
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(r.Addr()); err != nil {
		_ = p.kill()
		return nil, err
	}
	return p, nil
}

// freePort asks the kernel for a loopback port nobody listens on. Another
// process may take it before redis-server binds it; StartRedis then retries.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ping reports whether the server at addr answers PING and is the process
// pid: with a port race the answer could come from someone else's server.
func ping(addr string, pid int) error {
	c, err := dialRESP(addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if v, err := c.do("PING"); err != nil || v != "PONG" {
		return fmt.Errorf("PING: %v %v", v, err)
	}
	v, err := c.do("INFO", "server")
	info, _ := v.(string)
	if err != nil || !strings.Contains(info, "\nprocess_id:"+strconv.Itoa(pid)+"\r\n") {
		return fmt.Errorf("%s answers but is not process %d (%v)", addr, pid, err)
	}
	return nil
}

// wait polls cond every few milliseconds until it holds, done is closed,
// or timeout passes; it reports whether cond held before then.
func wait(timeout time.Duration, done <-chan struct{}, cond func() bool) bool {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-done:
			return false
		case <-deadline.C:
			return cond()
		case <-tick.C:
		}
	}
	return true
}
