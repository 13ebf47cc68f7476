package baldur_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// provider is the dependency: it charges, or fails while down.
type provider struct {
	down    atomic.Bool
	err     atomic.Pointer[error] // the failure while down; errBoom when nil
	mu      sync.Mutex
	charged []string // order IDs, once per side effect
}

func (pr *provider) charge(orderID string) error {
	if pr.down.Load() {
		if e := pr.err.Load(); e != nil {
			return *e
		}
		return errBoom
	}
	pr.mu.Lock()
	pr.charged = append(pr.charged, orderID)
	pr.mu.Unlock()
	return nil
}

func (pr *provider) charges() []string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return append([]string(nil), pr.charged...)
}

// chargeArgs is the typed codec a generated decorator declares.
type chargeArgs struct {
	OrderID string `json:"orderID"`
	Amount  int64  `json:"amount"`
}

// gateway is what baldurgen writes for
//
//	//baldur:protected name=charge retry=2 breaker=charge idempotency_key=orderID fallback=queued dlq
//	Charge(ctx context.Context, orderID string, amount int64) (string, error)
type gateway struct {
	next   *provider
	charge *baldur.Policy
	dedupe bool
}

func newGateway(rt *baldur.Runtime, next *provider, signature string, dedupe bool) *gateway {
	g := &gateway{next: next, dedupe: dedupe}
	g.charge = rt.Policy(baldur.Spec{
		Name: "charge", Method: "test.Gateway.Charge", Retry: true, Attempts: 2, Breaker: "charge", Dedupe: dedupe,
		Ignore: []error{errDeclined},
		DeadLetter: &baldur.DeadLetterSpec{Signature: signature, Replay: func(ctx context.Context, data []byte) error {
			var a chargeArgs
			if err := json.Unmarshal(data, &a); err != nil {
				return baldur.Permanent(err)
			}
			_, err := g.protected(ctx, a.OrderID, a.Amount)
			return err
		}},
	})
	return g
}

// protected is the path a replay takes again: idempotency, retry, breaker.
func (g *gateway) protected(ctx context.Context, orderID string, amount int64) (string, error) {
	attempt := func(ctx context.Context) (string, error) {
		err := g.charge.Do(ctx, nil, func(context.Context) error { return g.next.charge(orderID) })
		if err != nil {
			return "", err
		}
		return "captured " + orderID, nil
	}
	if !g.dedupe {
		return attempt(ctx)
	}
	return baldur.Idempotent(ctx, g.charge, orderID, struct{ Amount int64 }{amount}, attempt)
}

// Charge is the public method: capture, then the fallback.
func (g *gateway) Charge(ctx context.Context, orderID string, amount int64) (string, error) {
	r, err := g.protected(ctx, orderID, amount)
	if err != nil {
		err = g.charge.Capture(ctx, nil, chargeArgs{OrderID: orderID, Amount: amount}, err)
		if g.charge.ShouldFallback(ctx, nil, err) {
			if errors.Is(err, baldur.ErrDeadLettered) {
				return "queued", nil
			}
			return "", err
		}
	}
	return r, err
}

type dlqEnv struct {
	*env
	store *baldur.MemoryDeadLetterStore
	pr    *provider
	gw    *gateway
}

const dlqConfig = `
defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  charge: {size: 4, minimum_calls: 4, open_for: 10s, half_open_probes: 1}
dlq:
  interval: 1m
  max_replays: 3
`

func newDLQEnv(t *testing.T, extra ...baldur.Option) *dlqEnv {
	t.Helper()
	d := &dlqEnv{env: &env{t: t, clock: baldurtest.NewClock(epoch)}, store: baldur.NewMemoryDeadLetterStore(0), pr: &provider{}}
	opts := append([]baldur.Option{
		baldur.WithClock(d.clock), baldur.WithConfigYAML([]byte(dlqConfig)), baldur.WithDeadLetterStore(d.store),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithObserver(func(ev baldur.Event) { d.mu.Lock(); d.events = append(d.events, ev); d.mu.Unlock() }),
	}, extra...)
	rt, err := baldur.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	d.rt = rt
	d.gw = newGateway(rt, d.pr, "sig-1", false)
	return d
}

func (d *dlqEnv) letters(state baldur.LetterState) []baldur.Letter {
	d.t.Helper()
	ls, err := d.rt.DeadLetters().List(context.Background(), baldur.LetterFilter{State: state})
	if err != nil {
		d.t.Fatal(err)
	}
	return ls
}

// A call that fails for good is written down before the caller is
// answered; the fallback knows it, and can honestly say "queued".
func TestFailedCallIsCapturedBeforeTheAnswer(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	got, err := d.gw.Charge(bg, "o-1", 100)
	if got != "queued" || err != nil {
		t.Fatalf("Charge while down: %q, %v; want the fallback's queued", got, err)
	}
	ls := d.letters(baldur.LetterPending)
	if len(ls) != 1 {
		t.Fatalf("%d pending letters, want 1", len(ls))
	}
	l := ls[0]
	if l.Policy != "charge" || l.Method != "test.Gateway.Charge" || l.Attempts != 2 || !strings.Contains(l.Err, "boom") || l.Replays != 0 {
		t.Fatalf("letter %+v", l)
	}
	if d.count(baldur.EventDeadLettered) != 1 {
		t.Fatalf("%d capture events", d.count(baldur.EventDeadLettered))
	}
}

// What is not a failure of the dependency, or is the caller's doing, is
// not captured.
func TestWhatIsNotCaptured(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	for name, fail := range map[string]error{
		"business outcome": errDeclined,
		"permanent":        baldur.Permanent(errBoom),
	} {
		d.pr.err.Store(&fail)
		if _, err := d.gw.Charge(bg, "o-"+name, 1); !errors.Is(err, fail) || errors.Is(err, baldur.ErrDeadLettered) {
			t.Errorf("%s: %v, want it back uncaptured", name, err)
		}
	}
	d.pr.err.Store(nil)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := d.gw.Charge(ctx, "o-cancelled", 1); errors.Is(err, baldur.ErrDeadLettered) {
		t.Errorf("a cancelled caller's call was captured: %v", err)
	}
	d.pr.down.Store(false)
	if _, err := d.gw.Charge(bg, "o-ok", 1); err != nil {
		t.Fatal(err)
	}
	if ls := d.letters(0); len(ls) != 0 {
		t.Fatalf("captured %d letters: %+v", len(ls), ls)
	}
}

// Runtime.Replay runs every pending letter now: once the dependency is
// back, each captured call goes through once and leaves the queue.
func TestReplayChargesEachCapturedCallOnce(t *testing.T) {
	d := newDLQEnv(t)
	d.gw.charge.Breaker().Disable() // so that no recovery replays them first
	d.pr.down.Store(true)
	for i := range 3 {
		d.gw.Charge(bg, fmt.Sprintf("o-%d", i), 100)
	}
	d.pr.down.Store(false)
	stats, err := d.rt.Replay(bg)
	if err != nil || stats.Replayed != 3 || stats.Failed != 0 {
		t.Fatalf("Replay: %+v, %v", stats, err)
	}
	if got := d.pr.charges(); len(got) != 3 {
		t.Fatalf("charged %v, want each order once", got)
	}
	if ls := d.letters(0); len(ls) != 0 {
		t.Fatalf("%d letters left after a successful replay", len(ls))
	}
	if stats, _ := d.rt.Replay(bg); stats != (baldur.ReplayStats{}) {
		t.Fatalf("second Replay did something: %+v", stats)
	}
}

// When the breaker closes again the queue replays its letters at once,
// without waiting for the schedule.
func TestBreakerRecoveryReplaysPromptly(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	d.gw.Charge(bg, "o-1", 100) // 2 failures
	d.gw.Charge(bg, "o-2", 100) // 4: the breaker opens
	if s := d.gw.charge.Breaker().State(); s != baldur.StateOpen {
		t.Fatalf("breaker %v, want open", s)
	}
	d.gw.Charge(bg, "o-3", 100) // rejected, captured too
	if n := len(d.letters(baldur.LetterPending)); n != 3 {
		t.Fatalf("%d letters, want 3", n)
	}
	d.pr.down.Store(false)
	d.clock.Advance(10 * time.Second) // half-open
	if _, err := d.gw.Charge(bg, "o-4", 100); err != nil {
		t.Fatalf("probe: %v", err)
	}
	testenv.Eventually(t, "the captured calls replayed after recovery", func() bool { return len(d.pr.charges()) == 4 })
	testenv.Eventually(t, "the queue empty", func() bool { return len(d.letters(0)) == 0 })
}

// Without a recovery, letters are replayed on their schedule, backing off.
func TestScheduledReplay(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	d.gw.Charge(bg, "o-1", 100)
	d.pr.down.Store(false)
	l := d.letters(baldur.LetterPending)[0]
	if wait := l.NextReplay.Sub(l.Created); wait < 30*time.Second || wait > time.Minute {
		t.Fatalf("first replay due after %v, want within [30s, 1m] of the interval", wait)
	}
	// The loop's timer and the letter's time are both jittered within the
	// interval: move time in steps until the loop, woken on each of its
	// timers, finds the letter due.
	testenv.Eventually(t, "the scheduled replay", func() bool {
		if len(d.pr.charges()) == 1 {
			return true
		}
		d.clock.Advance(5 * time.Second)
		return false
	})

}

// A letter that keeps failing is parked after max_replays, is not
// replayed on its own any more, and an operator can requeue or drop it.
func TestPoisonLetterIsParked(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	d.gw.Charge(bg, "o-1", 100)
	for i := range 3 {
		d.gw.charge.Breaker().Close() // replays are not held back by the open breaker here
		stats, err := d.rt.Replay(bg)
		if err != nil {
			t.Fatal(err)
		}
		want := baldur.ReplayStats{Failed: 1}
		if i == 2 {
			want = baldur.ReplayStats{Parked: 1}
		}
		if stats != want {
			t.Fatalf("replay %d: %+v, want %+v", i+1, stats, want)
		}
	}
	parked := d.letters(baldur.LetterParked)
	if len(parked) != 1 || parked[0].Replays != 3 || !strings.Contains(parked[0].Reason, "3 replays spent") {
		t.Fatalf("parked %+v", parked)
	}
	if stats, _ := d.rt.Replay(bg); stats.Replayed+stats.Failed+stats.Parked != 0 {
		t.Fatalf("a parked letter was replayed: %+v", stats)
	}
	dl := d.rt.DeadLetters()
	if err := dl.Requeue(bg, parked[0].ID); err != nil {
		t.Fatal(err)
	}
	if l, _ := dl.Get(bg, parked[0].ID); l.State != baldur.LetterPending || l.Replays != 0 {
		t.Fatalf("requeued: %+v", l)
	}
	if err := dl.Drop(bg, parked[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dl.Get(bg, parked[0].ID); !errors.Is(err, baldur.ErrNoLetter) {
		t.Fatalf("dropped letter: %v", err)
	}
}

// An operator replays one letter on demand, parked or not.
func TestOperatorReplaysOneLetter(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	d.gw.Charge(bg, "o-1", 100)
	id := d.letters(baldur.LetterPending)[0].ID
	d.pr.down.Store(false)
	d.gw.charge.Breaker().Close()
	if err := d.rt.DeadLetters().Replay(bg, id); err != nil {
		t.Fatal(err)
	}
	if got := d.pr.charges(); len(got) != 1 || got[0] != "o-1" {
		t.Fatalf("charged %v", got)
	}
	if err := d.rt.DeadLetters().Replay(bg, id); !errors.Is(err, baldur.ErrNoLetter) {
		t.Fatalf("replaying a letter that left: %v", err)
	}
}

// A letter written by another version of the method is parked with the
// reason, never decoded into the wrong types; a letter no decorator of
// this runtime handles waits, counted as unhandled.
func TestSignatureChangeParksAndUnknownPolicyWaits(t *testing.T) {
	d := newDLQEnv(t)
	d.pr.down.Store(true)
	d.gw.Charge(bg, "o-1", 100)
	other := baldur.StoredLetter{Letter: baldur.Letter{ID: "x", Policy: "refund", Created: epoch, NextReplay: epoch}, Body: []byte("p1\n{}")}
	if err := d.store.Put(bg, other); err != nil {
		t.Fatal(err)
	}
	rt2, err := baldur.New(baldur.WithClock(d.clock), baldur.WithConfigYAML([]byte(dlqConfig)), baldur.WithDeadLetterStore(d.store), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt2.Close()
	newGateway(rt2, d.pr, "sig-2", false)
	stats, err := rt2.Replay(bg)
	if err != nil || stats.Parked != 1 || stats.Unhandled != 1 {
		t.Fatalf("Replay with a new signature: %+v, %v", stats, err)
	}
	parked := d.letters(baldur.LetterParked)
	if len(parked) != 1 || !strings.Contains(parked[0].Reason, "signature changed") {
		t.Fatalf("parked %+v", parked)
	}
	if l, _ := d.rt.DeadLetters().Get(bg, "x"); l.State != baldur.LetterPending {
		t.Fatalf("the unhandled letter: %+v", l)
	}
	if len(d.pr.charges()) != 0 {
		t.Fatal("a letter of the old signature was run")
	}
}

// failingPuts is a store whose writes fail: a full disk, a dead database.
type failingPuts struct{ baldur.DeadLetterStore }

var errDiskFull = errors.New("no space left on device")

func (failingPuts) Put(context.Context, baldur.StoredLetter) error { return errDiskFull }

// A letter the store refused is not claimed as captured: the caller gets
// its own error, saying why nothing was kept.
func TestCaptureFailureIsNotDeadLettered(t *testing.T) {
	d := newDLQEnv(t, baldur.WithDeadLetterStore(failingPuts{baldur.NewMemoryDeadLetterStore(0)}))
	d.pr.down.Store(true)
	got, err := d.gw.Charge(bg, "o-1", 100)
	var nc *baldur.NotCapturedError
	if got == "queued" || !errors.As(err, &nc) || nc.Cause != errDiskFull || !errors.Is(err, errBoom) || errors.Is(err, baldur.ErrDeadLettered) {
		t.Fatalf("Charge with a failing store: %q, %v; want the call's error, not captured", got, err)
	}
	if d.count(baldur.EventCaptureFailed) != 1 {
		t.Fatalf("%d capture-failed events, want 1", d.count(baldur.EventCaptureFailed))
	}
}

// crashingAck loses the first acknowledgement, as a process killed between
// a replay's side effect and its ack would: nothing is recorded.
type crashingAck struct {
	baldur.DeadLetterStore
	crashed atomic.Bool
}

func (s *crashingAck) Ack(ctx context.Context, id, token string) error {
	if s.crashed.CompareAndSwap(false, true) {
		return baldur.ErrLeaseLost
	}
	return s.DeadLetterStore.Ack(ctx, id, token)
}

// A replay whose ack was lost runs again after its lease, at least once;
// with an idempotency key the side effect still runs once.
func TestReplayThatDiedBeforeItsAckChargesOnce(t *testing.T) {
	store := &crashingAck{DeadLetterStore: baldur.NewMemoryDeadLetterStore(0)}
	clock := baldurtest.NewClock(epoch)
	// The schedule is an hour away: the minute the clock moves for the
	// lease must not also start a replay of its own, racing the ones the
	// test makes.
	config := strings.Replace(dlqConfig, "interval: 1m", "interval: 1h", 1)
	rt, err := baldur.New(baldur.WithClock(clock), baldur.WithConfigYAML([]byte(config)), baldur.WithDeadLetterStore(store), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	pr := &provider{}
	gw := newGateway(rt, pr, "sig-1", true)
	pr.down.Store(true)
	gw.Charge(bg, "o-1", 100)
	pr.down.Store(false)
	gw.charge.Breaker().Close()
	if _, err := rt.Replay(bg); err != nil {
		t.Fatal(err)
	}
	if n := len(pr.charges()); n != 1 {
		t.Fatalf("first replay: %d charges", n)
	}
	if stats, _ := rt.Replay(bg); stats.Replayed != 0 {
		t.Fatalf("replayed while the lost replay's lease lives: %+v", stats)
	}
	clock.Advance(time.Minute) // the lease ends
	stats, err := rt.Replay(bg)
	if err != nil || stats.Replayed != 1 {
		t.Fatalf("replay after the lease: %+v, %v", stats, err)
	}
	if got := pr.charges(); len(got) != 1 {
		t.Fatalf("charged %v: the replay after the lost ack ran the side effect again", got)
	}
}

// With a sealer, nothing of the arguments or the error text is in the
// store's bytes; rotated keys still open old letters; a missing key says so.
func TestSealedLettersHoldNoPlaintext(t *testing.T) {
	const card = "4111111111111111"
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	s1, err := baldur.NewAESSealer("k1", map[string][]byte{"k1": k1})
	if err != nil {
		t.Fatal(err)
	}
	store := baldur.NewMemoryDeadLetterStore(0)
	rt, err := baldur.New(baldur.WithDeadLetterStore(store), baldur.WithSealer(s1), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	pr := &provider{}
	pr.down.Store(true)
	fail := fmt.Errorf("card %s declined by the issuer", card) // error text can carry secrets too
	pr.err.Store(&fail)
	gw := newGateway(rt, pr, "sig-1", false)
	gw.Charge(bg, card, 100)
	raw, err := store.List(bg, baldur.LetterFilter{})
	if err != nil || len(raw) != 1 {
		t.Fatalf("%d letters, %v", len(raw), err)
	}
	if dump := fmt.Sprintf("%+v %s", raw[0], raw[0].Body); strings.Contains(dump, card) {
		t.Fatalf("the card number is in the stored letter: %s", dump)
	}
	if l, _ := rt.DeadLetters().Get(bg, raw[0].ID); !strings.Contains(l.Err, card) {
		t.Fatalf("the runtime cannot read its own letter: %+v", l)
	}
	rotated, _ := baldur.NewAESSealer("k2", map[string][]byte{"k1": k1, "k2": k2})
	rt2, _ := baldur.New(baldur.WithDeadLetterStore(store), baldur.WithSealer(rotated), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	defer rt2.Close()
	if l, _ := rt2.DeadLetters().Get(bg, raw[0].ID); !strings.Contains(l.Err, card) {
		t.Fatalf("a rotated sealer cannot open an old letter: %+v", l)
	}
	lost, _ := baldur.NewAESSealer("k2", map[string][]byte{"k2": k2})
	rt3, _ := baldur.New(baldur.WithDeadLetterStore(store), baldur.WithSealer(lost), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	defer rt3.Close()
	if l, _ := rt3.DeadLetters().Get(bg, raw[0].ID); !strings.Contains(l.Err, `sealed with a key this runtime cannot open (key "k1")`) || strings.Contains(l.Err, card) {
		t.Fatalf("missing key: %q", l.Err)
	}
}

// A replay answered with what the classifier calls a business outcome is
// done, like one answered with an error in ignore: the letter leaves.
func TestReplayAnsweredWithABusinessOutcomeLeaves(t *testing.T) {
	store := baldur.NewMemoryDeadLetterStore(0)
	rt, err := baldur.New(baldur.WithDeadLetterStore(store), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rt.Policy(baldur.Spec{Name: "charge", Method: "test.Gateway.Charge",
		Classify: func(_ baldur.PolicyContext, err error) baldur.Decision {
			if errors.Is(err, errDeclined) {
				return baldur.DecideIgnore
			}
			return baldur.DecideDefault
		},
		DeadLetter: &baldur.DeadLetterSpec{Signature: "s", Replay: func(context.Context, []byte) error { return errDeclined }},
	})
	if err := store.Put(bg, baldur.StoredLetter{Letter: baldur.Letter{ID: "l", Policy: "charge", Created: epoch, NextReplay: epoch}, Signature: "s", Body: []byte("p1\n{}")}); err != nil {
		t.Fatal(err)
	}
	stats, err := rt.Replay(bg)
	if err != nil || stats.Replayed != 1 {
		t.Fatalf("Replay: %+v, %v; want the declined replay to leave the queue", stats, err)
	}
}
