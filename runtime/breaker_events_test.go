package baldur_test

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// Transition events reach observers in the order the breaker changed
// state, even when the goroutine that made a transition is slow to
// deliver it. The observer here holds the first delivery while the test
// forces two more transitions; they used to overtake it.
func TestTransitionEventsArriveInStateOrder(t *testing.T) {
	first, release := make(chan struct{}), make(chan struct{})
	var (
		mu   sync.Mutex
		seen []string
		held atomic.Bool
	)
	rt, err := baldur.New(
		baldur.WithClock(baldurtest.NewClock(epoch)),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithConfigYAML([]byte("breakers:\n  dep: {size: 2, minimum_calls: 2}\n")),
		baldur.WithObserver(func(e baldur.Event) {
			if e.Kind != baldur.EventBreakerTransition {
				return
			}
			if held.CompareAndSwap(false, true) {
				close(first)
				<-release
			}
			mu.Lock()
			seen = append(seen, e.From.String()+">"+e.To.String())
			mu.Unlock()
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "test.Dep.Call", Breaker: "dep"})
	opened := make(chan struct{})
	go func() {
		defer close(opened)
		do(p, errBoom)
		do(p, errBoom) // opens the breaker; its delivery is held
	}()
	<-first
	b := rt.Breaker("dep")
	b.ForceOpen()
	b.Close()
	close(release)
	<-opened
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"closed>open", "open>forced-open", "forced-open>closed"}; !slices.Equal(seen, want) {
		t.Fatalf("transitions observed %v, want %v", seen, want)
	}
}

// Under contention every transition an observer sees starts where the
// previous one ended, and no "transition" stays in its state.
func TestTransitionEventsChainUnderContention(t *testing.T) {
	e := newEnv(t, "breakers:\n  dep: {size: 4, minimum_calls: 4, open_for: 1ms, half_open_probes: 2}\n")
	p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if (g+i)%3 == 0 {
					do(p, nil)
				} else {
					do(p, errBoom)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for ticking := true; ticking; {
		select {
		case <-done:
			ticking = false
		default:
			e.clock.Advance(time.Millisecond) // ends open periods while calls run
		}
	}
	ts := e.transitions()
	if len(ts) < 3 {
		t.Fatalf("only %d transitions", len(ts))
	}
	for i, tr := range ts {
		from, to, _ := strings.Cut(tr, ">")
		if from == to {
			t.Fatalf("transition %d stays in %s", i, from)
		}
		if i > 0 {
			if _, prevTo, _ := strings.Cut(ts[i-1], ">"); from != prevTo {
				t.Fatalf("transition %d is %s right after %s", i, tr, ts[i-1])
			}
		}
	}
}

// Forcing a breaker into the state it is in is not a transition.
func TestSameStateIsNoTransition(t *testing.T) {
	e := newEnv(t, "")
	e.policy(baldur.Spec{Name: "dep", Breaker: "dep"})
	b := e.rt.Breaker("dep")
	b.ForceOpen()
	b.ForceOpen()
	b.Close()
	b.Close()
	if got, want := e.transitions(), []string{"closed>forced-open", "forced-open>closed"}; !slices.Equal(got, want) {
		t.Fatalf("transitions %v, want %v", got, want)
	}
}
