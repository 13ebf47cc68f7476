package boltstore_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

// D1: a child process Puts (8 goroutines, so group commits are in flight),
// claims and acks; it is SIGKILLed 0–50 ms after its first acknowledged
// Put. 100 times on one file: every time the file opens, passes bbolt's
// check and the store's own (indexes, counters), and holds every letter
// whose Put returned, with at least the replays its claims reported.
func TestDeadLetterKillAfterAcknowledgedPut(t *testing.T) {
	const iterations = 100
	path := filepath.Join(t.TempDir(), "letters.db")
	start := time.Now()
	all := map[string]bool{}
	for run := range iterations {
		acked, gone, replays := killChild(t, "crash", path, run)
		if len(acked) == 0 {
			t.Fatalf("run %d: no Put was acknowledged", run)
		}
		checkFile(t, path)
		s, err := boltstore.Open(path)
		if err != nil {
			t.Fatalf("run %d: reopen after SIGKILL: %v", run, err)
		}
		for id := range acked {
			if gone[id] {
				continue // its Ack may have landed before the kill
			}
			all[id] = true
			l, ok, err := s.Get(ctx, id)
			if err != nil || !ok {
				s.Close()
				t.Fatalf("run %d: acknowledged letter %s lost after SIGKILL (%v)", run, id, err)
			}
			if l.Replays < replays[id] {
				s.Close()
				t.Fatalf("run %d: letter %s has %d replays, its claim reported %d", run, id, l.Replays, replays[id])
			}
		}
		for id := range gone {
			delete(all, id)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := openAt(t, path)
	mustCheck(t, s)
	for id := range all {
		if _, ok, err := s.Get(ctx, id); err != nil || !ok {
			t.Fatalf("acknowledged letter %s lost by the end (%v)", id, err)
		}
	}
	st, _ := s.Counts(ctx)
	t.Logf("%d kills in %v; %d acknowledged letters all present; counts %v", iterations, time.Since(start).Round(time.Millisecond), len(all), st)
}

// The kill test has teeth: a child that answers before its commit (says
// "put" before Put returns) loses acknowledged letters, and the same
// checks see it within a few kills.
func TestDeadLetterKillCatchesAnAnswerBeforeTheCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "letters.db")
	for run := range 20 {
		acked, _, _ := killChild(t, "crash-early", path, run)
		s, err := boltstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		lost := 0
		for id := range acked {
			if _, ok, _ := s.Get(ctx, id); !ok {
				lost++
			}
		}
		s.Close()
		if lost > 0 {
			t.Logf("run %d: %d of %d letters answered before their commit were lost, as they should be", run, lost, len(acked))
			return
		}
	}
	t.Fatal("20 kills of a child that answers before committing lost nothing: the kill test cannot see a lost letter")
}

// killChild runs one child, kills it 0–50 ms after its first acknowledged
// Put and returns what it had said: letters put, letters whose Ack it had
// begun, and the replays its claims reported.
func killChild(t *testing.T, mode, path string, run int) (acked, gone map[string]bool, replays map[string]int) {
	t.Helper()
	cmd := childCmd(mode, path, runEnv+"=r"+strconv.Itoa(run))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	acked, gone, replays = map[string]bool{}, map[string]bool{}, map[string]int{}
	var kill <-chan time.Time
	read := func(line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "put":
			acked[f[1]] = true
		case len(f) == 2 && f[0] == "acking":
			gone[f[1]] = true
		case len(f) == 3 && f[0] == "claimed":
			replays[f[1]], _ = strconv.Atoi(f[2])
		default:
			t.Errorf("run %d: child said %q", run, line)
		}
	}
	deadline := time.After(30 * time.Second)
	for kill == nil {
		select {
		case line, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("run %d: child ended before a Put was acknowledged: %s", run, stderr.String())
			}
			read(line)
			if len(acked) > 0 {
				kill = time.After(rand.N(51 * time.Millisecond))
			}
		case <-deadline:
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("run %d: no acknowledged Put within 30 s", run)
		}
	}
	for killed := false; ; {
		select {
		case line, ok := <-lines:
			if !ok {
				if err := cmd.Wait(); err == nil || !killed {
					t.Fatalf("run %d: child ended by itself (%v): %s", run, err, stderr.String())
				}
				return acked, gone, replays
			}
			read(line)
		case <-kill:
			// SIGKILL, by the pid of the child this test started.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed, kill = true, nil
		}
	}
}

// checkFile opens the file read-only, as bbolt's own check command does,
// and runs bbolt's consistency check and the store's.
func checkFile(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open read-only after SIGKILL: %v", err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		if errs := boltstore.CheckTx(tx); len(errs) > 0 {
			return fmt.Errorf("%d problems, first: %v", len(errs), errs[0])
		}
		return nil
	}); err != nil {
		t.Fatalf("check after SIGKILL: %v", err)
	}
}
