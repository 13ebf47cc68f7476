package redisbaldur_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

// Against a server that stopped answering, Configure's
// ContextTimeoutEnabled lets Baldur's timeout= end each attempt (instead of
// go-redis's 5 s ReadTimeout); each timed-out attempt gives up its
// connection and the next one dials anew.
func TestStalledServerTimesOutPerAttempt(t *testing.T) {
	s := startStalled(t)
	c := newClient(t, redisbaldur.Configure(&redis.Options{Addr: s.addr(), Protocol: 2}))
	rt := newRuntime(t, noDelay)
	p := rt.Policy(baldur.Spec{Name: "cache", Method: "t.Cache.Get", Retry: true, Attempts: 2, Timeout: 100 * time.Millisecond})
	err := p.Do(bg, nil, func(ctx context.Context) error { return c.Get(ctx, "k").Err() })
	var te *baldur.TimeoutError
	if !errors.As(err, &te) || s.accepted.Load() != 2 {
		t.Fatalf("err %v over %d connections; want 2 timed-out attempts", err, s.accepted.Load())
	}
}

// With every connection stuck on a stalled server, the next command waits
// PoolTimeout for one and gets redis.ErrPoolTimeout: transient.
func TestPoolTimeoutIsTransient(t *testing.T) {
	s := startStalled(t)
	c := redis.NewClient(redisbaldur.Configure(&redis.Options{Addr: s.addr(), Protocol: 2,
		PoolSize: 1, PoolTimeout: 20 * time.Millisecond, ReadTimeout: -1}))
	stuck := make(chan error)
	go func() { stuck <- c.Get(bg, "held").Err() }()
	<-s.received // the only connection is taken and waiting for a reply

	err := c.Get(bg, "k").Err()
	if !errors.Is(err, redis.ErrPoolTimeout) {
		t.Fatalf("err %v, want redis.ErrPoolTimeout", err)
	}
	if d := redisbaldur.Classify(baldur.PolicyContext{}, err); d != baldur.DecideRetry || !redisbaldur.Transient.MatchError(err) {
		t.Fatalf("Classify(pool timeout) = %v, Transient %v; want retry, true", d, redisbaldur.Transient.MatchError(err))
	}
	c.Close()
	<-stuck
}
