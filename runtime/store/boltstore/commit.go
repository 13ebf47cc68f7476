package boltstore

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// op is one write waiting for a commit. fn may run more than once (in a
// batch, then alone), each time on a transaction that saw none of its
// earlier runs, so it must reset whatever it reports.
type op struct {
	fn   func(*bolt.Tx) error
	err  error
	done chan struct{}
}

// refusal is an answer a write gives before it changes anything (full,
// lease lost, no such letter, invalid): the batch goes on without it.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

func refuse(err error) error { return refusal{err} }

// write queues fn for the next commit and waits for it. Once queued, the
// caller waits for the commit whatever ctx says: an answer given before
// the commit could say "not stored" of a write that lands.
func (s *Store) write(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	s.pending.Add(1)
	s.mu.RUnlock()
	defer s.pending.Done()
	o := &op{fn: fn, done: make(chan struct{})}
	s.waiting.Add(1)
	select {
	case s.ops <- o:
		s.waiting.Add(-1)
	case <-ctx.Done():
		s.waiting.Add(-1)
		return ctx.Err()
	}
	<-o.done
	return o.err
}

// commitLoop is the one writer: it takes the first waiting write, then
// every other already waiting (up to maxBatch), and commits them together.
// Writes that arrive during a commit wait for the next one, which starts
// at once: there is no delay to fill a batch, so a lone caller pays one
// commit.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	batch := make([]*op, 0, s.opts.maxBatch)
	for {
		select {
		case o := <-s.ops:
			batch = append(batch[:0], o)
		case <-s.quit:
			return
		}
	fill:
		for len(batch) < s.opts.maxBatch {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.commit(batch)
		for _, o := range batch {
			close(o.done)
		}
		clear(batch)
	}
}

// errSolo aborts a batch's transaction when a write failed after it may
// have changed something; each write then runs in its own transaction.
var errSolo = errors.New("boltstore: rerun the batch one write at a time")

func (s *Store) commit(batch []*op) {
	s.commits.Add(1)
	s.writes.Add(uint64(len(batch)))
	err := s.update(func(tx *bolt.Tx) error {
		for _, o := range batch {
			o.err = o.fn(tx)
			if o.err != nil && !isRefusal(o.err) {
				return errSolo
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errSolo):
		s.commits.Add(uint64(len(batch)))
		for _, o := range batch {
			o.err = s.update(o.fn)
			o.err = answer(o.err)
		}
		return
	case err != nil:
		// Nothing of the batch is committed; every write that would have
		// changed the file fails. A refused one keeps its refusal.
		for _, o := range batch {
			if o.err == nil {
				o.err = err
			}
		}
	}
	for _, o := range batch {
		o.err = answer(o.err)
	}
}

func isRefusal(err error) bool {
	var r refusal
	return errors.As(err, &r)
}

// answer is the error a caller sees: a refusal without its wrapper.
func answer(err error) error {
	var r refusal
	if errors.As(err, &r) {
		return r.error
	}
	return err
}
