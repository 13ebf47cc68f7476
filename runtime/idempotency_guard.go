package baldur

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// A store that is down should cost a call microseconds, not a store
// timeout each. storeGuard is a small breaker around a runtime's store:
// after storeGuardFailures failures in a row it refuses claims and reads
// for storeGuardPause, then lets one probe through; a success closes it.
// Writes after a call ran (complete, renew, release) are never refused:
// they record what happened.
const (
	storeGuardFailures = 5
	storeGuardPause    = time.Second
)

type storeGuard struct {
	clock     Clock
	failures  atomic.Int32
	openUntil atomic.Int64 // UnixNano on clock; 0 while closed
	probing   atomic.Bool
}

// errStoreUnavailable is why a call gets a *StoreError without the store
// being asked: it failed storeGuardFailures times in a row.
var errStoreUnavailable = fmt.Errorf("baldur: idempotency store unavailable after %d failures in a row; it is tried again every %v", storeGuardFailures, storeGuardPause)

// allow reports whether a claim or read may go to the store.
func (g *storeGuard) allow() bool {
	until := g.openUntil.Load()
	if until == 0 {
		return true
	}
	if g.clock.Now().UnixNano() < until {
		return false
	}
	return g.probing.CompareAndSwap(false, true)
}

// record counts the outcome of an operation that went to the store.
func (g *storeGuard) record(err error) {
	if err == nil || errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrStoreFull) {
		if g.failures.Load() != 0 {
			g.failures.Store(0)
		}
		if g.openUntil.Load() != 0 {
			g.openUntil.Store(0)
			g.probing.Store(false)
		}
		return
	}
	if n := g.failures.Add(1); n >= storeGuardFailures || g.probing.Load() {
		g.openUntil.Store(g.clock.Now().Add(storeGuardPause).UnixNano())
		g.probing.Store(false)
	}
}

// storeLogEvery is how often an engine logs store failures at most.
const storeLogEvery = 5 * time.Second

// failureLog rate-limits an engine's Warn records of store failures.
type failureLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// storeFailed logs err, a failure of store operation op, at Warn, unless
// this engine logged one less than storeLogEvery ago; then it is counted,
// and the next record says how many were left out.
func (e *idemEngine) storeFailed(op string, err error) {
	now := e.cfg.clock.Now()
	l := &e.failures
	l.mu.Lock()
	if !l.last.IsZero() && now.Sub(l.last) < storeLogEvery {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	e.rt.logger.LogAttrs(context.Background(), slog.LevelWarn, "baldur: idempotency store failed",
		slog.String("policy", e.policy), slog.String("op", op), slog.String("error", err.Error()), slog.Int("suppressed", n))
}
