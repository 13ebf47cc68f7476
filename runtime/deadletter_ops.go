package baldur

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ReplayStats counts what a Runtime.Replay did.
type ReplayStats struct {
	// Replayed letters succeeded and left the queue; Failed ones were
	// rescheduled; Parked ones spent their replays or cannot be replayed.
	Replayed, Failed, Parked int
	// Unhandled letters are pending for policies no decorator of this
	// runtime has registered: they wait for a runtime that has.
	Unhandled int
}

func (s *ReplayStats) add(o replayOutcome) {
	switch o {
	case replaySucceeded:
		s.Replayed++
	case replayFailed:
		s.Failed++
	case replayParked:
		s.Parked++
	}
}

// Replay replays every pending letter of the runtime's policies now,
// whatever its schedule, once each, and waits for the replays. Letters of
// policies this runtime has no decorator for are counted as unhandled.
func (rt *Runtime) Replay(ctx context.Context) (ReplayStats, error) {
	q := rt.letters()
	var stats ReplayStats
	q.mu.Lock()
	names := slices.Sorted(maps.Keys(q.policies))
	q.mu.Unlock()
	var pending []StoredLetter
	for f := (LetterFilter{State: LetterPending, Limit: 1000}); ; {
		sctx, cancel := q.storeContext(ctx)
		page, err := q.store.List(sctx, f)
		cancel()
		if err != nil {
			return stats, fmt.Errorf("baldur: listing dead letters: %w", err)
		}
		for _, l := range page {
			if slices.Contains(names, l.Policy) {
				pending = append(pending, l)
			} else {
				stats.Unhandled++
			}
		}
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	var claimed []StoredLetter
	for _, l := range pending {
		sctx, cancel := q.storeContext(ctx)
		c, ok, err := q.store.ClaimID(sctx, l.ID, rt.clock.Now(), q.cfg.Lease.v)
		cancel()
		if err != nil {
			return stats, fmt.Errorf("baldur: claiming dead letter %s: %w", l.ID, err)
		}
		if ok {
			claimed = append(claimed, c)
		}
	}
	q.replayAll(ctx, claimed, &stats)
	return stats, ctx.Err()
}

// DeadLetters is the operator's view of the queue: list and read letters,
// replay one now, requeue a parked one, drop one.
type DeadLetters struct{ q *deadLetterQueue }

// DeadLetters returns the operator's view of the runtime's queue.
func (rt *Runtime) DeadLetters() *DeadLetters { return &DeadLetters{q: rt.letters()} }

// List returns the letters f selects, oldest first, with their error text
// opened (a sealed letter the runtime cannot open says so in Err).
func (d *DeadLetters) List(ctx context.Context, f LetterFilter) ([]Letter, error) {
	sctx, cancel := d.q.storeContext(ctx)
	defer cancel()
	ls, err := d.q.store.List(sctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Letter, len(ls))
	for i, l := range ls {
		out[i] = d.q.opened(l)
	}
	return out, nil
}

// Get returns one letter; ErrNoLetter when there is none.
func (d *DeadLetters) Get(ctx context.Context, id string) (Letter, error) {
	sctx, cancel := d.q.storeContext(ctx)
	defer cancel()
	l, ok, err := d.q.store.Get(sctx, id)
	switch {
	case err != nil:
		return Letter{}, err
	case !ok:
		return Letter{}, ErrNoLetter
	}
	return d.q.opened(l), nil
}

// opened is l as an operator reads it.
func (q *deadLetterQueue) opened(l StoredLetter) Letter {
	out := l.Letter
	env, err := q.rt.openBody(l.Body)
	if err != nil {
		out.Err = err.Error()
		return out
	}
	out.Err = env.Err
	if out.Fields == nil && len(env.Extra) > 0 {
		out.Fields = env.Extra
	}
	return out
}

// Replay replays the letter id now, pending or parked, and returns the
// replay's outcome: nil when it succeeded and left the queue.
func (d *DeadLetters) Replay(ctx context.Context, id string) error {
	q := d.q
	sctx, cancel := q.storeContext(ctx)
	l, ok, err := q.store.ClaimID(sctx, id, q.rt.clock.Now(), q.cfg.Lease.v)
	cancel()
	switch {
	case err != nil:
		return err
	case !ok:
		if _, found, _ := q.store.Get(ctx, id); !found {
			return ErrNoLetter
		}
		return fmt.Errorf("baldur: dead letter %s is being replayed: %w", id, ErrLeaseLost)
	}
	q.mu.Lock()
	_, handled := q.policies[l.Policy]
	q.mu.Unlock()
	if !handled {
		q.reschedule(ctx, l, nil, LetterUpdate{Body: l.Body, LastFailed: l.LastFailed, NextReplay: l.NextReplay, Park: l.State == LetterParked, Reason: l.Reason})
		return fmt.Errorf("baldur: no decorator of this runtime replays policy %s", l.Policy)
	}
	switch q.replay(ctx, l) {
	case replaySucceeded:
		return nil
	case replayParked:
		return errors.New("baldur: the replay failed and the letter is parked")
	case replayLost:
		return ErrLeaseLost
	}
	return errors.New("baldur: the replay failed; the letter is rescheduled")
}

// Requeue makes a parked letter pending again, due now, with its replays
// counted afresh.
func (d *DeadLetters) Requeue(ctx context.Context, id string) error {
	sctx, cancel := d.q.storeContext(ctx)
	defer cancel()
	return d.q.store.Requeue(sctx, id, d.q.rt.clock.Now())
}

// Drop removes a letter: its call will not be replayed.
func (d *DeadLetters) Drop(ctx context.Context, id string) error {
	sctx, cancel := d.q.storeContext(ctx)
	defer cancel()
	return d.q.store.Drop(sctx, id)
}

// Counts reports the letters per policy and state.
func (d *DeadLetters) Counts(ctx context.Context) ([]LetterCount, error) {
	sctx, cancel := d.q.storeContext(ctx)
	defer cancel()
	return d.q.store.Counts(sctx)
}
