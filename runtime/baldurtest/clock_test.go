package baldurtest_test

import (
	"context"
	"slices"
	"testing"
	"time"

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
