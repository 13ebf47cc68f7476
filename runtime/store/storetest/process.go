package storetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// Environment of a child process started by the suite.
const (
	envRole = "BALDUR_STORETEST_ROLE" // race or hang
	envNS   = "BALDUR_STORETEST_NAMESPACE"
	envDir  = "BALDUR_STORETEST_DIR" // files the processes signal each other with
)

func runProcess(t *testing.T, b Backend) {
	t.Run("TwoProcesses", func(t *testing.T) { testTwoProcesses(t, b) })
	t.Run("KilledOwner", func(t *testing.T) { testKilledOwner(t, b) })
}

// child starts this test binary again, running only the top-level test that
// called Run, in role.
func child(t *testing.T, role, ns, dir string) (*exec.Cmd, *bytes.Buffer) {
	top, _, _ := strings.Cut(t.Name(), "/")
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(top)+"$", "-test.count=1", "-test.timeout=60s", "-test.v")
	cmd.Env = append(os.Environ(), envRole+"="+role, envNS+"="+ns, envDir+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, &out
}

// waitFiles polls dir until n files match pattern.
func waitFiles(t testing.TB, dir, pattern string, n int) {
	t.Helper()
	testenv.Eventually(t, fmt.Sprintf("%d files %s", n, pattern), func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		return len(m) >= n
	})
}

func touch(t testing.TB, path string) {
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

// testTwoProcesses is I2: two processes, 100 callers each, one key: the
// side effect runs once and every caller in both gets the same result.
func testTwoProcesses(t *testing.T, b Backend) {
	_, ns := b.Open(t)
	dir := t.TempDir()
	type proc struct {
		cmd *exec.Cmd
		out *bytes.Buffer
	}
	var ps []proc
	for range 2 {
		cmd, out := child(t, "race", ns, dir)
		ps = append(ps, proc{cmd, out})
	}
	waitFiles(t, dir, "calling-*", 2)
	touch(t, filepath.Join(dir, "release"))
	calls, ids := 0, map[string]bool{}
	for _, p := range ps {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("child: %v\n%s", err, p.out)
		}
		var c, errs int
		var got string
		if !scanResult(p.out, &c, &errs, &got) {
			t.Fatalf("child printed no result:\n%s", p.out)
		}
		if errs != 0 {
			t.Fatalf("%d callers in a child failed:\n%s", errs, p.out)
		}
		calls += c
		for id := range strings.SplitSeq(got, ",") {
			ids[id] = true
		}
	}
	if calls != 1 || len(ids) != 1 {
		t.Fatalf("side effect ran %d times, callers saw %d results; want 1 and 1", calls, len(ids))
	}
}

func scanResult(out *bytes.Buffer, calls, errs *int, ids *string) bool {
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "STORETEST calls=%d errs=%d ids=%s", calls, errs, ids); err == nil {
			return true
		}
	}
	return false
}

// testKilledOwner is I15: the owner is killed with SIGKILL inside the call.
// Its record stays in flight until the lease ends (a duplicate then gets
// ErrInFlight, not a second run); after the lease exactly one of two racing
// engines runs the call again — at least once, never "exactly once".
func testKilledOwner(t *testing.T, b Backend) {
	s, ns := b.Open(t)
	dir := t.TempDir()
	cmd, out := child(t, "hang", ns, dir)
	waitFiles(t, dir, "claimed", 1)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("child exited cleanly:\n%s", out)
	}
	ctx := testContext(t)
	rec, ok, err := s.Get(ctx, chargeKey("o-1"))
	if err != nil || !ok || rec.State != baldur.RecordInFlight {
		t.Fatalf("record after the kill: %+v, %v, %v; want in flight", rec, ok, err)
	}
	clock := baldurtest.NewClock(time.Now())
	svc := &service{}
	hurry := newEngine(t, s, config{clock: clock, IdempotencyConfig: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightFail)}})
	if o := recv(t, goCharge(ctx, hurry, "o-1", 1, svc)); !errors.Is(o.err, baldur.ErrInFlight) {
		t.Fatalf("inside the dead owner's lease: %v, want ErrInFlight", o.err)
	}
	cfg := config{clock: shiftedTo(rec.Expires.Add(time.Millisecond)), IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Millisecond), PollMax: baldur.Set(10 * time.Millisecond)}}
	a := goCharge(ctx, newEngine(t, s, cfg), "o-1", 1, svc)
	c := goCharge(ctx, newEngine(t, s, cfg), "o-1", 1, svc)
	oa, oc := recv(t, a), recv(t, c)
	if oa.err != nil || oc.err != nil || oa.r != oc.r || svc.calls.Load() != 1 {
		t.Fatalf("after the lease: %+v %v / %+v %v with %d runs; want one run, one result", oa.r, oa.err, oc.r, oc.err, svc.calls.Load())
	}
}
