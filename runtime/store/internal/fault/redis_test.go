package fault

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/baldur-go/baldur/internal/testenv"
)

func TestStartRedis(t *testing.T) {
	leakCheck(t)
	r := StartRedis(t)
	if strings.HasSuffix(r.Addr(), ":6379") || !strings.HasPrefix(r.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr = %s, want a private loopback port", r.Addr())
	}
	c := dial(t, r.Addr())
	if v := do(t, c, "PING"); v != "PONG" {
		t.Fatalf("PING = %v", v)
	}
	info := do(t, c, "INFO", "server").(string)
	if !strings.Contains(info, "\nprocess_id:"+strconv.Itoa(r.Pid())+"\r\n") {
		t.Fatalf("INFO server does not name pid %d:\n%s", r.Pid(), info)
	}
	for key, want := range map[string]string{"save": "", "appendonly": "no"} {
		if v := do(t, c, "CONFIG", "GET", key).([]any); len(v) != 2 || v[1] != want {
			t.Errorf("CONFIG GET %s = %v, want %q", key, v, want)
		}
	}
}

func TestStartRedisArgs(t *testing.T) {
	leakCheck(t)
	r := StartRedis(t, "--maxmemory", "1mb")
	v := do(t, dial(t, r.Addr()), "CONFIG", "GET", "maxmemory").([]any)
	if len(v) != 2 || v[1] != "1048576" {
		t.Fatalf("CONFIG GET maxmemory = %v, want 1048576", v)
	}
}

// An argument that could point the server at the shared one's port is
// refused before anything starts.
func TestStartRedisRefusesPort(t *testing.T) {
	f := &fatalTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		StartRedis(f, "--port", "6379")
	}()
	<-done
	if !strings.Contains(f.msg, "--port") {
		t.Fatalf("Fatalf message = %q, want one naming --port", f.msg)
	}
}

// fatalTB is a testing.TB whose only expected calls are Helper and Fatalf.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// A port taken between choosing and binding is told apart from other
// failures, so StartRedis tries another.
func TestRedisPortTaken(t *testing.T) {
	leakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := &Redis{t: t, path: testenv.Program(t, "redis-server", "the store fault tests"), dir: t.TempDir(), port: ln.Addr().(*net.TCPAddr).Port}
	if _, err := r.start(); !errors.Is(err, errPortTaken) {
		t.Fatalf("start on a taken port: %v, want errPortTaken", err)
	}
}

// A paused server keeps the connection and answers nothing; once resumed it
// answers what it was sent.
func TestRedisPauseResume(t *testing.T) {
	leakCheck(t)
	r := StartRedis(t)
	c := dial(t, r.Addr())
	do(t, c, "PING")
	r.Pause()
	if !pingTimesOut(t, c) {
		t.Fatal("a paused redis answered PING")
	}
	r.Resume()
	if v := pendingReply(t, c); v != "PONG" {
		t.Fatalf("PING after Resume = %v", v)
	}
}

// A killed server drops its connections, refuses new ones and is reaped.
func TestRedisKill(t *testing.T) {
	leakCheck(t)
	r := StartRedis(t)
	c := dial(t, r.Addr())
	do(t, c, "PING")
	pid := r.Pid()
	r.Kill()
	if _, err := c.do("PING"); err == nil {
		t.Fatal("PING on a killed redis's connection succeeded")
	}
	if c2, err := dialRESP(r.Addr(), waitTimeout); err == nil {
		c2.Close()
		t.Fatal("a killed redis accepted a connection")
	}
	if r.Pid() != 0 || !gone(pid) {
		t.Fatalf("after Kill: Pid() = %d, process %d gone = %v", r.Pid(), pid, gone(pid))
	}
}

// Restart comes back on the same address, as a new process, empty.
func TestRedisRestart(t *testing.T) {
	leakCheck(t)
	r := StartRedis(t)
	addr, pid := r.Addr(), r.Pid()
	old := dial(t, addr)
	do(t, old, "SET", "k", "v")
	r.Restart()
	if _, err := old.do("PING"); err == nil {
		t.Fatal("a connection to the old process survived Restart")
	}
	c := dial(t, r.Addr())
	if v := do(t, c, "GET", "k"); v != nil {
		t.Fatalf("GET k after Restart = %v, want nil: nothing is saved", v)
	}
	if r.Addr() != addr || r.Pid() == pid || !gone(pid) {
		t.Fatalf("after Restart: %s pid %d (old process gone: %v), want %s and a new pid", r.Addr(), r.Pid(), gone(pid), addr)
	}
	// Restart after Kill starts it again too.
	r.Kill()
	r.Restart()
	do(t, dial(t, r.Addr()), "PING")
}

// Cleanup leaves nothing running or stopped, even a paused server.
func TestRedisCleanup(t *testing.T) {
	var pids []int
	for _, name := range []string{"running", "paused"} {
		t.Run(name, func(t *testing.T) {
			r := StartRedis(t)
			if name == "paused" {
				r.Pause()
			}
			pids = append(pids, r.Pid())
		})
	}
	for _, pid := range pids {
		if !gone(pid) {
			t.Errorf("process %d still exists after its test ended", pid)
		}
	}
}
