package fault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one redis-server run: Restart makes a new one on the same port.
type process struct {
	cmd    *exec.Cmd
	log    *logBuffer
	exited chan struct{} // closed once reaped

	mu     sync.Mutex
	paused bool
}

func startProcess(path string, argv []string) (*process, error) {
	cmd := exec.Command(path, argv...)
	log := &logBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// waitReady polls until the server answers PING as itself, or fails with its
// log when it exits first or stays silent past startTimeout.
func (p *process) waitReady(addr string) error {
	var last error
	if wait(startTimeout, p.exited, func() bool { last = ping(addr, p.pid()); return last == nil }) {
		return nil
	}
	select {
	case <-p.exited:
		if strings.Contains(p.log.String(), "Address already in use") {
			return fmt.Errorf("%s: %w", addr, errPortTaken)
		}
		return fmt.Errorf("redis-server exited (%v) before answering on %s:\n%s", p.cmd.ProcessState, addr, p.log)
	default:
		return fmt.Errorf("redis-server did not answer on %s within %v (%v):\n%s", addr, startTimeout, last, p.log)
	}
}

// pause sends SIGSTOP and waits until the process is stopped: the signal is
// asynchronous, and a command sent right after Pause must not be answered.
func (p *process) pause() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	p.paused = true
	if !wait(startTimeout, p.exited, p.stopped) {
		return fmt.Errorf("process %d not stopped within %v", p.pid(), startTimeout)
	}
	select {
	case <-p.exited:
		return fmt.Errorf("process %d exited (%v)", p.pid(), p.cmd.ProcessState)
	default:
		return nil
	}
}

func (p *process) resume() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = false
	return p.cmd.Process.Signal(syscall.SIGCONT)
}

// kill resumes the process if paused, so nothing is left stopped, then
// sends SIGKILL and waits until it is reaped.
func (p *process) kill() error {
	p.mu.Lock()
	paused := p.paused
	p.paused = false
	p.mu.Unlock()
	if paused {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(startTimeout):
		return fmt.Errorf("process %d not reaped %v after SIGKILL", p.pid(), startTimeout)
	}
}

// stopped reports whether the kernel shows the process stopped. Where there
// is no /proc (not Linux) it trusts that SIGSTOP was delivered.
func (p *process) stopped() bool {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid()) + "/stat")
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return err == nil && i >= 0 && i+2 < len(stat) && (stat[i+2] == 'T' || stat[i+2] == 't')
}

// logBuffer keeps the server's output for error messages; it is written by
// exec's copying goroutine while read by the test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(b)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
