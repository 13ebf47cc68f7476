package baldur

import (
	"sync"
	"sync/atomic"
)

// budgetBuckets is how many slices a budget's TTL is cut into; counts
// leave the budget one slice at a time.
const budgetBuckets = 10

// retryBudget is the budget one policy name shares inside a Runtime.
type retryBudget struct {
	cfg   BudgetConfig
	clock Clock
	floor float64

	active atomic.Bool
	cur    atomic.Int64 // current slice; counts go to bucket cur%budgetBuckets
	// lastFailure is the slice of the latest retryable failure.
	lastFailure atomic.Int64
	calls       [budgetBuckets]atomic.Int64
	retries     [budgetBuckets]atomic.Int64

	mu      sync.Mutex // activation, slices and withdrawals
	timer   Timer
	stopped bool
}

func newRetryBudget(clock Clock, cfg BudgetConfig) *retryBudget {
	return &retryBudget{cfg: cfg, clock: clock, floor: cfg.MinRetriesPerSecond.v * cfg.TTL.v.Seconds()}
}

// deposit counts one protected call. Callers check active first, so a
// healthy policy never writes here.
func (b *retryBudget) deposit() {
	b.calls[b.cur.Load()%budgetBuckets].Add(1)
}

// failure notes a retryable failure; the first one of a call also counts
// the call. It activates the budget when it was idle.
func (b *retryBudget) failure(firstOfCall bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.active.Load() {
		b.activateLocked()
	}
	b.lastFailure.Store(b.cur.Load())
	if firstOfCall {
		b.deposit()
	}
}

func (b *retryBudget) clearLocked() {
	for i := range budgetBuckets {
		b.calls[i].Store(0)
		b.retries[i].Store(0)
	}
}

func (b *retryBudget) activateLocked() {
	b.clearLocked()
	b.cur.Store(0)
	b.lastFailure.Store(0)
	b.active.Store(true)
	if !b.stopped {
		b.timer = b.clock.AfterFunc(b.cfg.TTL.v/budgetBuckets, b.tick)
	}
}

// tick starts the next slice, or makes the budget idle again when a whole
// TTL has passed without a retryable failure.
func (b *retryBudget) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer = nil
	if b.stopped {
		return
	}
	next := b.cur.Load() + 1
	if next-b.lastFailure.Load() >= budgetBuckets {
		b.active.Store(false)
		b.clearLocked()
		return
	}
	i := next % budgetBuckets
	b.calls[i].Store(0)
	b.retries[i].Store(0)
	b.cur.Store(next)
	b.timer = b.clock.AfterFunc(b.cfg.TTL.v/budgetBuckets, b.tick)
}

// withdraw takes one retry from the budget, or reports that none is left.
// It takes the lock so that concurrent retries cannot overdraw it.
func (b *retryBudget) withdraw() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	var calls, retries int64
	for i := range budgetBuckets {
		calls += b.calls[i].Load()
		retries += b.retries[i].Load()
	}
	if float64(retries+1) > b.floor+b.cfg.Percent.v/100*float64(calls) {
		return false
	}
	b.retries[b.cur.Load()%budgetBuckets].Add(1)
	return true
}

// BudgetMetrics is a snapshot of a retry budget.
type BudgetMetrics struct {
	// Active is true from a retryable failure until a TTL without one.
	Active bool
	// Calls and Retries are counted over the last TTL, while active.
	Calls, Retries int64
}

func (b *retryBudget) metrics() BudgetMetrics {
	m := BudgetMetrics{Active: b.active.Load()}
	for i := range budgetBuckets {
		m.Calls += b.calls[i].Load()
		m.Retries += b.retries[i].Load()
	}
	return m
}

func (b *retryBudget) stop() {
	b.mu.Lock()
	b.stopped = true
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.mu.Unlock()
}
