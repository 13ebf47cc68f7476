package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/baldur-go/baldur/examples/payments/provider"
)

const (
	orders   = 50 // the first process would capture this many
	killFrom = 5  // it is killed once this many are acknowledged
)

// run plays the story with self as the children's binary, and returns the
// exit status: 1 when an acknowledged order was lost or charged twice.
func run(self string, stdout, stderr io.Writer) int {
	if err := play(self, stdout); err != nil {
		fmt.Fprintln(stderr, "crash:", err)
		return 1
	}
	return 0
}

func play(self string, stdout io.Writer) error {
	p := provider.New(1_000_000_00)
	srv, err := provider.Start(p)
	if err != nil {
		return err
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "baldur-crash-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := append(os.Environ(), lettersEnv+"="+filepath.Join(dir, "letters.db"), providerEnv+"="+srv.URL,
		fmt.Sprintf("%s=%d", ordersEnv, orders))

	p.Play(provider.Script{Down: true})
	acked, err := captureAndKill(self, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "1. The provider is down. A process charges orders; each is captured before it is answered.\n")
	fmt.Fprintf(stdout, "   It was killed with SIGKILL after %d acknowledged captures.\n", len(acked))

	p.Play(provider.Script{})
	replay := exec.Command(self)
	replay.Env = append(env, childEnv+"=replay")
	line, err := replay.Output()
	if err != nil {
		return fmt.Errorf("the replaying process: %w", err)
	}
	fmt.Fprintf(stdout, "2. The provider is back. A new process opens the same file and replays: %s", line)

	lost, twice := 0, 0
	for _, id := range acked {
		switch n := p.Answered(id); {
		case n == 0:
			lost++
		case n > 1:
			twice++
		}
	}
	fmt.Fprintf(stdout, "3. Of %d acknowledged orders, %d were charged once, %d lost, %d charged twice.\n",
		len(acked), len(acked)-lost-twice, lost, twice)
	if lost > 0 || twice > 0 {
		return fmt.Errorf("%d acknowledged orders lost, %d charged twice", lost, twice)
	}
	return nil
}

// captureAndKill starts the capturing process and kills it with SIGKILL
// as soon as it has acknowledged killFrom captures, in the middle of the
// next; it returns the orders it acknowledged.
func captureAndKill(self string, env []string) ([]string, error) {
	cmd := exec.Command(self)
	cmd.Env = append(env, childEnv+"=capture")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "captured "); ok {
			acked = append(acked, id)
		}
		if len(acked) == killFrom {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	// Whatever it printed after the kill was sent was acknowledged too.
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "captured "); ok {
			acked = append(acked, id)
		}
	}
	cmd.Wait() // killed: its error is expected
	if len(acked) < killFrom {
		return acked, fmt.Errorf("the capturing process acknowledged %d orders before it ended, want %d", len(acked), killFrom)
	}
	return acked, nil
}
