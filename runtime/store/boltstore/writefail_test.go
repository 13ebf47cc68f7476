package boltstore_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

// D2 with a real write failure: a child process whose file size limit
// (RLIMIT_FSIZE, 1 MiB) makes bbolt's growth of the file and its page
// writes fail with EFBIG, as a full disk fails them with ENOSPC. Four
// goroutines Put 2 KiB letters until a Put fails. Each failed Put got an
// error and left nothing; the child then drops letters until a small one
// fits in the room they left (the store is usable after the failure; a
// Drop that fails for want of pages keeps its letter), and its Check
// passes. Reopened without the limit, the file passes the
// checks and holds exactly what was acknowledged.
//
// What it proves: a failed write or grow inside bbolt's commit reaches the
// caller of every Put in that commit, the failed commit leaves no trace,
// and the same Store goes on. What it does not: an fsync that reports an
// error after the data reached the disk (bbolt has failpoints for that in
// its own test builds only), or a power loss.
func TestDeadLetterWriteFailureLeavesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "letters.db")
	out := runChildProcess(t, "full", path, limitEnv+"=1048576")
	put, failed, dropped, kept := map[string]bool{}, map[string]string{}, map[string]bool{}, map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(line, " ", 3)
		switch {
		case f[0] == "put":
			put[f[1]] = true
		case f[0] == "failed" && len(f) == 3:
			failed[f[1]] = f[2]
		case f[0] == "dropped":
			dropped[f[1]] = true
		case f[0] == "dropfail":
			kept[f[1]] = true
		case f[0] == "closed":
		default:
			t.Fatalf("child said %q:\n%s", line, out)
		}
	}
	if len(failed) == 0 || len(put) == 0 {
		t.Fatalf("want Puts that landed and Puts that failed:\n%s", out)
	}
	for id, msg := range failed {
		if !strings.Contains(msg, syscall.EFBIG.Error()) {
			t.Errorf("Put %s failed with %q, want the file system's %q", id, msg, syscall.EFBIG)
		}
	}
	if !put["small-after"] {
		t.Errorf("the store was not usable after the failure:\n%s", out)
	}
	checkFile(t, path)
	s := openAt(t, path)
	mustCheck(t, s)
	for id := range put {
		if _, ok, err := s.Get(ctx, id); (ok == dropped[id]) || err != nil {
			t.Errorf("letter %s: stored %v (dropped %v), %v", id, ok, dropped[id], err)
		}
	}
	for id := range failed {
		if _, ok, _ := s.Get(ctx, id); ok {
			t.Errorf("letter %s whose Put failed is stored", id)
		}
	}
	cs, _ := s.Counts(ctx)
	t.Logf("%d Puts acknowledged, %d failed (%s); %d dropped, %d Drops failed; counts %v",
		len(put), len(failed), firstValue(failed), len(dropped), len(kept), cs)
	// And the file takes letters again once it may grow.
	mustPut(t, s, letter("after-reopen"))
}

func firstValue(m map[string]string) string {
	for _, v := range m {
		return v
	}
	return ""
}

var errCommit = errors.New("injected: commit failed")

// D2 through the store's seam: the write transaction of a batch fails
// after every write in it was applied (as a failed fsync or a rollback
// would make it). Every caller in that batch gets the error, none of their
// letters is stored, and the store takes the next Put.
func TestDeadLetterFailedCommitFailsEveryWriteInIt(t *testing.T) {
	s := open(t)
	mustPut(t, s, letter("before"))
	var mu sync.Mutex
	fail := true
	s.SetUpdate(func(db *bolt.DB, fn func(*bolt.Tx) error) error {
		return db.Update(func(tx *bolt.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return errCommit // bbolt rolls the transaction back
			}
			return nil
		})
	})
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() { errs <- s.Put(ctx, letter(fmt.Sprintf("l%02d", i))) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, errCommit) {
			t.Fatalf("Put in a failed commit: %v, want the commit's error", err)
		}
	}
	ls, _ := s.List(ctx, baldur.LetterFilter{})
	if len(ls) != 1 || ls[0].ID != "before" {
		t.Fatalf("after a failed commit: %d letters stored, want only the one before", len(ls))
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	mustPut(t, s, letter("after"))
	mustCheck(t, s)
}

// holdCommits makes the committer wait, inside its first commit, until
// release is closed; the writes queued meanwhile share the next commit.
func holdCommits(t *testing.T, s *boltstore.Store) (entered <-chan struct{}, release chan struct{}) {
	in, rel := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.SetUpdate(func(db *bolt.DB, fn func(*bolt.Tx) error) error {
		once.Do(func() { close(in); <-rel })
		return db.Update(fn)
	})
	return in, rel
}

// Group commit, made deterministic: while one commit is held, 63 Puts
// queue; all of them land in the one commit that follows.
func TestDeadLetterConcurrentPutsShareOneCommit(t *testing.T) {
	s := open(t)
	entered, release := holdCommits(t, s)
	var wg sync.WaitGroup
	wg.Go(func() { mustPut(t, s, letter("first")) })
	<-entered
	for i := range 63 {
		wg.Go(func() { mustPut(t, s, letter(fmt.Sprintf("l%02d", i))) })
	}
	testenv.Eventually(t, "63 Puts queued", func() bool { return s.Waiting() == 63 })
	before := s.Stats()
	close(release)
	wg.Wait()
	if st := s.Stats(); st.Commits != before.Commits+1 || st.Writes != before.Writes+63 {
		t.Fatalf("stats %+v after %+v: want the 63 queued Puts in one commit", st, before)
	}
	if cs, _ := s.Counts(ctx); len(cs) != 1 || cs[0].N != 64 {
		t.Fatalf("counts %v, want 64", cs)
	}
}

// A letter refused in a batch (the store is full) fails alone: the others
// in its commit land, and the batch is not rerun.
func TestDeadLetterRefusedLetterInABatchFailsAlone(t *testing.T) {
	s := open(t, boltstore.WithMaxLetters(10))
	entered, release := holdCommits(t, s)
	var wg sync.WaitGroup
	wg.Go(func() { mustPut(t, s, letter("first")) })
	<-entered
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() { errs <- s.Put(ctx, letter(fmt.Sprintf("l%02d", i))) })
	}
	testenv.Eventually(t, "12 Puts queued", func() bool { return s.Waiting() == 12 })
	before := s.Stats()
	close(release)
	wg.Wait()
	close(errs)
	var ok, full int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, baldur.ErrDeadLettersFull):
			full++
		default:
			t.Fatalf("Put: %v", err)
		}
	}
	if ok != 9 || full != 3 {
		t.Fatalf("%d stored, %d refused; want 9 and 3", ok, full)
	}
	if st := s.Stats(); st.Commits != before.Commits+1 {
		t.Fatalf("%d commits for one batch with refusals, want 1", st.Commits-before.Commits)
	}
	mustCheck(t, s)
}

// A write that fails after it changed something (not a refusal) makes the
// committer rerun each write of the batch alone: the failing one is rolled
// back with its changes, the others land.
func TestDeadLetterFailingWriteInABatchIsRerunAlone(t *testing.T) {
	s := open(t)
	entered, release := holdCommits(t, s)
	var wg sync.WaitGroup
	wg.Go(func() { mustPut(t, s, letter("first")) })
	<-entered
	boom := errors.New("boom")
	var rawErr error
	for i := range 8 {
		wg.Go(func() { mustPut(t, s, letter(fmt.Sprintf("l%02d", i))) })
	}
	wg.Go(func() {
		rawErr = s.WriteRaw(ctx, func(tx *bolt.Tx) error {
			if err := tx.Bucket([]byte("letters")).Put([]byte("half"), []byte("written")); err != nil {
				return err
			}
			return boom
		})
	})
	testenv.Eventually(t, "9 writes queued", func() bool { return s.Waiting() == 9 })
	close(release)
	wg.Wait()
	if !errors.Is(rawErr, boom) {
		t.Fatalf("the failing write got %v, want its own error", rawErr)
	}
	if cs, _ := s.Counts(ctx); len(cs) != 1 || cs[0].N != 9 {
		t.Fatalf("counts %v, want the 9 Puts", cs)
	}
	mustCheck(t, s) // "half" would be a letter that does not decode
}
