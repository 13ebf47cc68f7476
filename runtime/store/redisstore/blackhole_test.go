package redisstore_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/redisstore"
)

// blackHole is a server that accepts connections and reads what it is
// sent but never answers, as a Redis stopped with SIGSTOP behaves once the
// kernel has accepted the connection.
func blackHole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// The runtime bounds each store operation itself: against a Redis that
// never answers, with a client that has no timeouts of its own
// (ReadTimeout -1, which go-redis documents as "no timeout"), a call gets
// a claim *StoreError within the store timeout and does not run. (It used
// to hang until the server answered, and then run.)
func TestNoAnswerWithoutClientTimeouts(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: blackHole(t), ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
	defer c.Close()
	e := newCharger(t, redisstore.New(c), baldur.IdempotencyConfig{StoreTimeout: baldur.Set(200 * time.Millisecond)})
	var calls atomic.Int64
	done := make(chan error, 1)
	go func() {
		_, err := e.charge(context.Background(), "o-1", &calls)
		done <- err
	}()
	select {
	case err := <-done:
		var se *baldur.StoreError
		if !errors.As(err, &se) || se.Op != "claim" || calls.Load() != 0 {
			t.Fatalf("err = %v after %d runs, want a claim *StoreError and no run", err, calls.Load())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call hangs on a Redis that does not answer")
	}
}
