package baldur

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// deadLetterQueue captures and replays the dead letters of a runtime's
// policies. Its loop starts with the first policy that has a DeadLetterSpec
// and ends with Runtime.Close.
type deadLetterQueue struct {
	rt    *Runtime
	store DeadLetterStore
	cfg   DeadLetterConfig

	mu        sync.Mutex
	policies  map[string]*Policy // with a replay handler, by name
	recovered map[string]bool    // policies whose breaker closed again: replay now
	started   bool
	closed    bool
	wake      chan struct{} // buffered: a pending kick
	quit      chan struct{}
	done      chan struct{}
}

// letters returns the runtime's queue, built on first use.
func (rt *Runtime) letters() *deadLetterQueue {
	rt.dlOnce.Do(func() {
		s := rt.dlStore
		if s == nil {
			s = NewMemoryDeadLetterStore(0)
			rt.logger.Warn("baldur: dead letters are kept in memory and will not survive a restart; give the runtime a store with WithDeadLetterStore")
		}
		q := &deadLetterQueue{
			rt: rt, store: s, cfg: rt.config.deadLetters(),
			policies: map[string]*Policy{}, recovered: map[string]bool{},
			wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		}
		rt.mu.Lock()
		if rt.closed { // a closed runtime starts no loop
			q.closed = true
			close(q.quit)
		}
		rt.mu.Unlock()
		rt.dlq.Store(q)
	})
	return rt.dlq.Load()
}

// register makes p's letters replayable here and starts the loop.
func (q *deadLetterQueue) register(p *Policy) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.policies[p.name] = p
	if !q.started && !q.closed {
		q.started = true
		// The first timer is set here, not in the goroutine, so that a
		// test's clock sees it as soon as the decorator is built.
		go q.loop(q.rt.clock.NewTimer(jittered(q.cfg.Interval.v)))
	}
}

// recover asks for a prompt replay of the letters of every policy using
// breaker, which has just closed again.
func (q *deadLetterQueue) recover(breaker string) {
	q.mu.Lock()
	n := 0
	for name, p := range q.policies {
		if p.breaker != nil && p.breaker.name == breaker {
			q.recovered[name] = true
			n++
		}
	}
	q.mu.Unlock()
	if n > 0 {
		q.kick()
	}
}

func (q *deadLetterQueue) kick() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *deadLetterQueue) close() {
	q.mu.Lock()
	started := q.started
	if !q.closed {
		q.closed = true
		close(q.quit)
	}
	q.mu.Unlock()
	if started {
		<-q.done
	}
}

// loop replays due letters every interval (jittered), and at once when a
// breaker recovers.
func (q *deadLetterQueue) loop(t Timer) {
	defer close(q.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-q.quit
		cancel()
	}()
	for {
		select {
		case <-q.quit:
			t.Stop()
			return
		case <-q.wake:
			t.Stop()
		case <-t.C():
		}
		q.round(ctx)
		t = q.rt.clock.NewTimer(jittered(q.cfg.Interval.v))
	}
}

// jittered spreads d over [d/2, d], so replicas and letters do not march
// in step.
func jittered(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// backoff is the wait before replay n+1 of a letter: the interval doubled
// per replay, capped, jittered.
func (q *deadLetterQueue) backoff(replays int) time.Duration {
	d := q.cfg.Interval.v
	for i := 0; i < replays && d < q.cfg.MaxBackoff.v; i++ {
		d *= 2
	}
	return jittered(min(d, q.cfg.MaxBackoff.v))
}

// round replays what is due, and everything pending of recovered
// policies, in batches, until a batch comes back short.
func (q *deadLetterQueue) round(ctx context.Context) {
	q.mu.Lock()
	recovered := q.recovered
	q.recovered = map[string]bool{}
	var due []string
	for name, p := range q.policies {
		if !recovered[name] && !p.breakerRejects() {
			due = append(due, name)
		}
	}
	q.mu.Unlock()
	slices.Sort(due)
	q.drain(ctx, slices.Sorted(maps.Keys(recovered)), true)
	q.drain(ctx, due, false)
}

// breakerRejects reports that p's breaker would reject a replay now, so
// its letters wait for the recovery rather than spend replays on it.
func (p *Policy) breakerRejects() bool {
	if p.breaker == nil {
		return false
	}
	s := p.breaker.State()
	return s == StateOpen || s == StateForcedOpen
}

// drain claims and replays letters of policies until a claim comes back
// short; a bounded number of batches, so a letter rescheduled for now
// cannot keep a round going.
func (q *deadLetterQueue) drain(ctx context.Context, policies []string, anytime bool) {
	if len(policies) == 0 {
		return
	}
	for range 100 {
		sctx, cancel := q.storeContext(ctx)
		ls, err := q.store.Claim(sctx, ClaimRequest{
			Policies: policies, Now: q.rt.clock.Now(), Lease: q.cfg.Lease.v, Max: q.cfg.Batch.v, Anytime: anytime,
		})
		cancel()
		if err != nil {
			q.rt.emit(ctx, Event{Kind: EventReplayFailed, Err: fmt.Errorf("claiming dead letters: %w", err)})
			return
		}
		q.replayAll(ctx, ls, nil)
		if len(ls) < q.cfg.Batch.v || ctx.Err() != nil {
			return
		}
	}
}

// replayAll replays ls, a few at a time, and adds their outcomes to stats.
func (q *deadLetterQueue) replayAll(ctx context.Context, ls []StoredLetter, stats *ReplayStats) {
	sem := make(chan struct{}, q.cfg.Concurrency.v)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, l := range ls {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			o := q.replay(ctx, l)
			if stats != nil {
				mu.Lock()
				stats.add(o)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// replayOutcome is what became of one claimed letter.
type replayOutcome int

const (
	replaySucceeded replayOutcome = iota + 1
	replayFailed                  // rescheduled
	replayParked
	replayLost // another claim or an operator took it: nothing recorded here
)

// replay runs one claimed letter again and records what happened.
func (q *deadLetterQueue) replay(ctx context.Context, l StoredLetter) (o replayOutcome) {
	q.mu.Lock()
	p := q.policies[l.Policy]
	q.mu.Unlock()
	if p == nil {
		return q.reschedule(ctx, l, nil, LetterUpdate{Body: l.Body, NextReplay: q.rt.clock.Now()})
	}
	if l.Signature != p.dl.Signature {
		return q.park(ctx, p, l, l.Body, fmt.Sprintf("the method's signature changed since the call was captured (%s, now %s)", l.Signature, p.dl.Signature))
	}
	env, err := q.rt.openBody(l.Body)
	if err != nil {
		return q.park(ctx, p, l, l.Body, err.Error())
	}
	rctx := context.WithValue(WithTenant(ctx, env.Tenant), replayKey{}, l.ID)
	if len(env.Extra) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(env.Extra)) {
			kv = append(kv, k, env.Extra[k])
		}
		rctx = WithFields(rctx, kv...)
	}
	rctx, cancel := context.WithTimeout(rctx, q.cfg.Lease.v)
	rerr := callReplay(rctx, p.dl.Replay, env.Args)
	cancel()
	switch {
	case rerr == nil || p.businessOutcome(ctx, rerr) || methodRan(rerr):
		// Done: the call went through, was answered with a business
		// outcome, or ran even though its outcome was not recorded.
		return q.ack(ctx, p, l, rerr)
	case IsPermanent(rerr) || (p.idem != nil && matchesAny(rerr, callerErrors)):
		return q.park(ctx, p, l, q.withError(l.Body, env, rerr), "the replay failed for good: "+rerr.Error())
	case l.Replays >= q.cfg.MaxReplays.v:
		return q.park(ctx, p, l, q.withError(l.Body, env, rerr), fmt.Sprintf("%d replays spent; the last failed: %v", l.Replays, rerr))
	}
	q.rt.emit(ctx, Event{Kind: EventReplayFailed, Policy: p.name, Method: p.method, Letter: l.ID, Attempt: l.Replays, Err: rerr})
	return q.reschedule(ctx, l, p, LetterUpdate{Body: q.withError(l.Body, env, rerr), LastFailed: q.rt.clock.Now(), NextReplay: q.rt.clock.Now().Add(q.backoff(l.Replays))})
}

// callReplay runs a replay handler; a panic in it fails the replay
// instead of the loop.
func callReplay(ctx context.Context, replay func(context.Context, []byte) error, args []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("baldur: replay panicked: %v", r)
		}
	}()
	return replay(ctx, args)
}

// withError is body with the replay's error as the letter's latest.
func (q *deadLetterQueue) withError(body []byte, env envelope, err error) []byte {
	env.Err = err.Error()
	b, serr := q.rt.sealBody(env)
	if serr != nil {
		return body
	}
	return b
}

// ack removes a replayed letter, trying again while the store fails and
// the lease lasts; once it runs out another claim may replay the letter,
// which idempotency answers without a second side effect.
func (q *deadLetterQueue) ack(ctx context.Context, p *Policy, l StoredLetter, outcome error) replayOutcome {
	deadline := l.LeaseUntil
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		sctx, cancel := q.storeContext(ctx)
		err := q.store.Ack(sctx, l.ID, l.Token)
		cancel()
		switch {
		case err == nil:
			q.rt.emit(ctx, Event{Kind: EventReplayed, Policy: p.name, Method: p.method, Letter: l.ID, Attempt: l.Replays, Err: outcome})
			return replaySucceeded
		case errors.Is(err, ErrLeaseLost):
			return replayLost
		case ctx.Err() != nil || !q.rt.clock.Now().Add(wait).Before(deadline):
			q.rt.emit(ctx, Event{Kind: EventReplayFailed, Policy: p.name, Letter: l.ID, Err: fmt.Errorf("acknowledging a replayed letter: %w", err)})
			return replayLost
		}
		if q.rt.sleep(ctx, wait) != nil {
			return replayLost
		}
	}
}

func (q *deadLetterQueue) park(ctx context.Context, p *Policy, l StoredLetter, body []byte, reason string) replayOutcome {
	o := q.reschedule(ctx, l, p, LetterUpdate{Body: body, LastFailed: q.rt.clock.Now(), Park: true, Reason: reason})
	if o == replayFailed {
		q.rt.emit(ctx, Event{Kind: EventLetterParked, Policy: l.Policy, Method: l.Method, Letter: l.ID, Err: errors.New(reason)})
		return replayParked
	}
	return o
}

func (q *deadLetterQueue) reschedule(ctx context.Context, l StoredLetter, p *Policy, u LetterUpdate) replayOutcome {
	sctx, cancel := q.storeContext(ctx)
	defer cancel()
	if err := q.store.Reschedule(sctx, l.ID, l.Token, u); err != nil {
		if !errors.Is(err, ErrLeaseLost) {
			q.rt.emit(ctx, Event{Kind: EventReplayFailed, Policy: l.Policy, Letter: l.ID, Err: fmt.Errorf("recording a replay: %w", err)})
		}
		return replayLost
	}
	return replayFailed
}
