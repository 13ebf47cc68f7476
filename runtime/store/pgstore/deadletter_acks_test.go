package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Acks that arrive while one is under way share the next statement, and
// each gets its own answer: the holders' Acks land, the stale tokens'
// get ErrLeaseLost and leave their letters. A stale Ack and the holder's
// Ack of one letter in one statement: only the holder's lands (a bug
// answered both with nil, so a replica whose lease was taken over
// believed its Ack landed).
func TestDeadLetterConcurrentAcksShareAStatement(t *testing.T) {
	dlLeakCheck(t)
	s, direct, p := behindProxy(t, 10*time.Second)
	var mu sync.Mutex
	var batches []int
	s.OnDeadLetterAckBatch(func(n int) { mu.Lock(); batches = append(batches, n); mu.Unlock() })
	ctx := context.Background()
	const n = 20
	for i := range n {
		if err := s.Put(ctx, dlLetter(fmt.Sprintf("l%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: time.Minute, Max: n})
	if err != nil || len(ls) != n {
		t.Fatal(len(ls), err)
	}
	p.Stall()
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = s.Ack(ctx, ls[0].ID, ls[0].Token) }) // leads, held by the stall
	for i := 1; i < n; i++ {
		token := ls[i].Token
		if i%2 == 0 {
			token = "stale"
		}
		wg.Go(func() { errs[i] = s.Ack(ctx, ls[i].ID, token) })
	}
	dlWaitFor(t, "the other Acks queued", func() bool { return s.DeadLetterAcksQueued() == n-1 })
	var staleOfHeld error
	wg.Go(func() { staleOfHeld = s.Ack(ctx, ls[1].ID, "stale") }) // ls[1] is acked by its holder too
	dlWaitFor(t, "the stale Ack queued", func() bool { return s.DeadLetterAcksQueued() == n })
	p.Resume()
	wg.Wait()
	if !errors.Is(staleOfHeld, baldur.ErrLeaseLost) {
		t.Errorf("stale Ack of a letter its holder acked in the same statement: %v, want ErrLeaseLost", staleOfHeld)
	}
	for i, err := range errs {
		want := error(nil)
		if i%2 == 0 && i > 0 {
			want = baldur.ErrLeaseLost
		}
		if !errors.Is(err, want) && err != want {
			t.Errorf("Ack %d: %v, want %v", i, err, want)
		}
		_, there, _ := direct.Get(ctx, ls[i].ID)
		if there != (want != nil) {
			t.Errorf("letter %d stored %v after its Ack answered %v", i, there, err)
		}
	}
	if len(batches) != 1 || batches[0] != n {
		t.Fatalf("batches of Acks %v, want the %d queued in one", batches, n)
	}
}

// dlWaitFor polls cond until it holds, failing the test after 10 s.
func dlWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("not within 10 s: %s", what)
		case <-tick.C:
		}
	}
}
