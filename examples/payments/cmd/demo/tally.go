package main

import (
	"context"
	"sync"

	baldur "github.com/baldur-go/baldur/runtime"
)

// counts are the runtime events the account reports.
type counts struct {
	Retries, Timeouts, Rejected, Fallbacks, Duplicates int
}

func (c counts) minus(o counts) counts {
	return counts{c.Retries - o.Retries, c.Timeouts - o.Timeouts, c.Rejected - o.Rejected, c.Fallbacks - o.Fallbacks, c.Duplicates - o.Duplicates}
}

func (c counts) plus(o counts) counts {
	return counts{c.Retries + o.Retries, c.Timeouts + o.Timeouts, c.Rejected + o.Rejected, c.Fallbacks + o.Fallbacks, c.Duplicates + o.Duplicates}
}

type transition struct{ From, To baldur.State }

// tally is the runtime's observer. Events arrive on the calling goroutine,
// except the open → half-open transition, which comes from the breaker's
// timer; hence the lock.
type tally struct {
	breaker string

	mu          sync.Mutex
	c           counts
	transitions []transition
	changed     chan struct{} // closed and replaced on every transition
}

func newTally(breaker string) *tally {
	return &tally{breaker: breaker, changed: make(chan struct{})}
}

func (t *tally) observe(e baldur.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Kind {
	case baldur.EventRetry:
		t.c.Retries++
	case baldur.EventTimeout:
		t.c.Timeouts++
	case baldur.EventBreakerRejected:
		t.c.Rejected++
	case baldur.EventFallback:
		t.c.Fallbacks++
	case baldur.EventDuplicate:
		t.c.Duplicates++
	case baldur.EventBreakerTransition:
		if e.Breaker == t.breaker {
			t.transitions = append(t.transitions, transition{e.From, e.To})
			close(t.changed)
			t.changed = make(chan struct{})
		}
	}
}

// mark is a point in the event stream to measure from.
type mark struct {
	c counts
	n int
}

func (t *tally) mark() mark {
	t.mu.Lock()
	defer t.mu.Unlock()
	return mark{t.c, len(t.transitions)}
}

// since returns what happened after m.
func (t *tally) since(m mark) (counts, []transition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.c.minus(m.c), append([]transition(nil), t.transitions[m.n:]...)
}

// await blocks until the breaker's last transition went to state, or ctx
// ends.
func (t *tally) await(ctx context.Context, state baldur.State) error {
	for {
		t.mu.Lock()
		n, ch := len(t.transitions), t.changed
		reached := n > 0 && t.transitions[n-1].To == state
		t.mu.Unlock()
		if reached {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}
