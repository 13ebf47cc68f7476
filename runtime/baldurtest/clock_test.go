package baldurtest_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func TestAdvanceFiresDueTimersInDeadlineOrder(t *testing.T) {
	c := baldurtest.NewClock(t0)
	var fired []string
	c.AfterFunc(3*time.Second, func() { fired = append(fired, "3s") })
	c.AfterFunc(time.Second, func() {
		fired = append(fired, "1s")
		c.AfterFunc(time.Second, func() { fired = append(fired, "1s+1s") }) // due within the same Advance
	})
	late := c.AfterFunc(5*time.Second, func() { fired = append(fired, "5s") })
	c.Advance(4 * time.Second)
	if want := []string{"1s", "1s+1s", "3s"}; !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if !late.Stop() || c.Timers() != 0 {
		t.Fatal("the 5s timer was not pending")
	}
	if got := c.Now(); !got.Equal(t0.Add(4 * time.Second)) {
		t.Fatalf("now %v", got)
	}
}

func TestNewTimerSendsTheFiringTime(t *testing.T) {
	c := baldurtest.NewClock(t0)
	tm := c.NewTimer(time.Second)
	c.Advance(2 * time.Second)
	if got := <-tm.C(); !got.Equal(t0.Add(time.Second)) {
		t.Fatalf("timer sent %v", got)
	}
}

func TestWaitForTimersSeesASleeper(t *testing.T) {
	c := baldurtest.NewClock(t0)
	woke := make(chan struct{})
	go func() {
		<-c.NewTimer(time.Minute).C()
		close(woke)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	<-woke
}

func TestJumpWallMovesNowButNoTimer(t *testing.T) {
	c := baldurtest.NewClock(t0)
	fired := false
	c.AfterFunc(time.Second, func() { fired = true })
	c.JumpWall(time.Hour)
	if fired || !c.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("after a wall jump: fired %v, now %v", fired, c.Now())
	}
	c.JumpWall(-2 * time.Hour)
	c.Advance(time.Second)
	if !fired || !c.Now().Equal(t0.Add(-time.Hour+time.Second)) {
		t.Fatalf("after Advance: fired %v, now %v", fired, c.Now())
	}
}

// The documented loop, "wait for the call's timer, then advance", moves
// time exactly as much as the call waits, even with the runtime's own
// timers (a time window's ticks, the retry budget's) on the same clock;
// counting those too used to move time while the call was not waiting.
func TestWaitForCallTimersIgnoresTheRuntimesOwnTimers(t *testing.T) {
	c := baldurtest.NewClock(t0)
	rt, err := baldur.New(baldur.WithClock(c), baldur.WithLogger(slog.New(slog.DiscardHandler)), baldur.WithConfigYAML([]byte(`
defaults:
  retry: {backoff: constant, initial_delay: 1s, jitter: none}
breakers:
  dep: {window: time, span: 10s, buckets: 10, minimum_calls: 3, failure_rate: 50}
`)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "dep", Method: "test.Dep.Get", Retry: true, Attempts: 3, Breaker: "dep"})
	if c.Timers() == 0 || c.CallTimers() != 0 {
		t.Fatalf("%d timers, %d of calls, before any call; want the window's tick alone", c.Timers(), c.CallTimers())
	}
	done := make(chan error, 1)
	go func() {
		done <- p.Do(context.Background(), nil, func(context.Context) error { return errors.New("unavailable") })
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		waiting := make(chan error, 1)
		wctx, stop := context.WithCancel(ctx)
		go func() { waiting <- c.WaitForCallTimers(wctx, 1) }()
		select {
		case <-done:
			stop()
			<-waiting
			if elapsed := c.Now().Sub(t0); elapsed != 2*time.Second {
				t.Fatalf("time moved %v for two backoffs of 1s", elapsed)
			}
			if s := p.Breaker().State(); s != baldur.StateOpen {
				t.Fatalf("breaker %v after 3 failures in 2s, want open", s)
			}
			return
		case err := <-waiting:
			stop()
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Second)
		}
	}
}
