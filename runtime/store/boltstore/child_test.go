package boltstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

// The child processes of the crash, disk-full and lock tests: this test
// binary, run again with childEnv naming what to do and pathEnv the file.
const (
	childEnv = "BALDUR_BOLTSTORE_CHILD"
	pathEnv  = "BALDUR_BOLTSTORE_PATH"
	runEnv   = "BALDUR_BOLTSTORE_RUN"
	limitEnv = "BALDUR_BOLTSTORE_FSIZE"
)

// childCmd is the command that runs the child mode on path.
func childCmd(mode, path string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode, pathEnv + "=" + path}, env...)...)
	return cmd
}

// runChildProcess runs a child to its end and returns what it printed.
func runChildProcess(t *testing.T, mode, path string, env ...string) string {
	t.Helper()
	out, err := childCmd(mode, path, env...).CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	return string(out)
}

func runChild(mode string) int {
	path := os.Getenv(pathEnv)
	switch mode {
	case "lock":
		s, err := boltstore.Open(path, boltstore.WithLockTimeout(100*time.Millisecond))
		if errors.Is(err, boltstore.ErrLocked) {
			fmt.Println("ErrLocked:", err)
			return 0
		}
		if err == nil {
			s.Close()
		}
		fmt.Println("opened a locked file:", err)
		return 1
	case "crash":
		return crashChild(path, os.Getenv(runEnv), false)
	case "crash-early":
		return crashChild(path, os.Getenv(runEnv), true)
	case "full":
		limit, _ := strconv.ParseUint(os.Getenv(limitEnv), 10, 64)
		return fullChild(path, limit)
	}
	fmt.Fprintln(os.Stderr, "unknown child mode", mode)
	return 2
}

// say writes one line to stdout with one write: once it returns, the line
// is in the pipe, and the parent reads it even if this process is killed
// the next instant.
var sayMu sync.Mutex

func say(format string, args ...any) {
	sayMu.Lock()
	defer sayMu.Unlock()
	os.Stdout.Write([]byte(fmt.Sprintf(format, args...) + "\n"))
}

// crashChild writes until it is killed: 8 goroutines Put letters and say
// "put ID" once each Put returned; one claims and acks, saying "claimed ID
// REPLAYS" after each claim and "acking ID" before each Ack. With early,
// it says "put" before the Put instead: the bug D1 must catch.
func crashChild(path, run string, early bool) int {
	s, err := boltstore.Open(path)
	if err != nil {
		say("open: %v", err)
		return 1
	}
	for g := range 8 {
		go func() {
			for i := 0; ; i++ {
				l := letter(fmt.Sprintf("%s-%d-%d", run, g, i))
				l.Body = bytes.Repeat([]byte{byte(i)}, 100+i%2000)
				if early {
					say("put %s", l.ID)
				}
				if err := s.Put(ctx, l); err != nil {
					say("error: %v", err)
					os.Exit(1)
				}
				if !early {
					say("put %s", l.ID)
				}
			}
		}()
	}
	for {
		ls, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: time.Now(), Lease: time.Hour, Max: 5, Anytime: true})
		if err != nil {
			say("error: %v", err)
			return 1
		}
		for i, l := range ls {
			say("claimed %s %d", l.ID, l.Replays)
			if i%2 == 0 {
				say("acking %s", l.ID)
				if err := s.Ack(ctx, l.ID, l.Token); err != nil {
					say("error: %v", err)
					return 1
				}
			}
		}
	}
}

// fullChild runs with the file size limited (RLIMIT_FSIZE), so bbolt's
// writes past it fail with EFBIG as they would on a full disk. Four
// goroutines Put 2 KiB letters until a Put fails; then it makes room and
// keeps using the store, and checks it from inside.
func fullChild(path string, limit uint64) int {
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		say("setrlimit: %v", err)
		return 1
	}
	s, err := boltstore.Open(path)
	if err != nil {
		say("open: %v", err)
		return 1
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				l := letter(fmt.Sprintf("big-%d-%03d", g, i))
				l.Body = bytes.Repeat([]byte{'x'}, 2<<10)
				if err := s.Put(ctx, l); err != nil {
					say("failed %s %v", l.ID, err)
					return
				}
				say("put %s", l.ID)
			}
		})
	}
	wg.Wait()
	// Room comes back as letters leave: drop the oldest, one at a time,
	// until a small letter fits. (bbolt copies on write, so a Drop needs
	// free pages too; one that fails leaves its letter.)
	ls, err := s.List(ctx, baldur.LetterFilter{Limit: 1000})
	if err != nil {
		say("list: %v", err)
		return 1
	}
	for _, l := range ls {
		if err := s.Drop(ctx, l.ID); err != nil {
			say("dropfail %s %v", l.ID, err)
			continue
		}
		say("dropped %s", l.ID)
		small := letter("small-after")
		if err := s.Put(ctx, small); err == nil {
			say("put %s", small.ID)
			break
		}
	}
	if err := s.Check(ctx); err != nil {
		say("check: %v", err)
		return 1
	}
	if err := s.Close(); err != nil {
		say("close: %v", err)
		return 1
	}
	say("closed")
	return 0
}
