package pgstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	baldur "github.com/baldur-go/baldur/runtime"
)

// maxAckBatch caps the Acks one DELETE holds.
const maxAckBatch = 500

// ackBatcher coalesces concurrent Acks into one DELETE, as a group commit
// does: the first caller leads and runs the statement for every Ack
// queued when it starts; Acks arriving meanwhile wait, and the first of
// them leads the next statement as soon as this one is done. No Ack waits
// to fill a batch, and each returns only after the statement holding it
// committed. A lone Ack is a plain DELETE.
type ackBatcher struct {
	mu      sync.Mutex
	queue   []*ackReq
	leading bool
}

type ackReq struct {
	id, token string
	err       error
	wake      chan bool // true: lead the next batch; false: err is the answer
}

func (s *DeadLetterStore) Ack(ctx context.Context, id, token string) error {
	if err := ctx.Err(); err != nil {
		return &DeadLetterError{Op: "ack", Err: err}
	}
	b := &s.acks
	r := &ackReq{id: id, token: token, wake: make(chan bool, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	if !lead && !<-r.wake {
		return r.err
	}
	b.mu.Lock()
	n := min(len(b.queue), maxAckBatch)
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()
	// The statement serves every caller in the batch: the leader's
	// cancellation does not end it; the store's timeout bounds it.
	s.ackBatch(context.WithoutCancel(ctx), batch)
	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].wake <- true
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	for _, q := range batch {
		if q != r {
			q.wake <- false
		}
	}
	return r.err
}

// ackBatch deletes the letters whose tokens hold them and sets each
// request's answer: nil, ErrLeaseLost, or the statement's failure.
func (s *DeadLetterStore) ackBatch(ctx context.Context, batch []*ackReq) {
	if len(batch) == 1 {
		r := batch[0]
		r.err = s.do(ctx, "ack", func(ctx context.Context, q dlQuerier) error {
			return oneRow(q.Exec(ctx, s.sql.ack, r.id, r.token))
		})
		return
	}
	if s.ackBatched != nil {
		s.ackBatched(len(batch))
	}
	ids, tokens := make([]string, len(batch)), make([]string, len(batch))
	for i, r := range batch {
		ids[i], tokens[i] = r.id, r.token
	}
	// Keyed by ID and token: a stale Ack and the holder's Ack of one letter
	// can share the statement, and only the holder's landed.
	type held struct{ id, token string }
	acked := map[held]bool{}
	err := s.do(ctx, "ack", func(ctx context.Context, q dlQuerier) error {
		clear(acked)
		rows, err := q.Query(ctx, s.sql.ackMany, ids, tokens)
		if err != nil {
			return err
		}
		var id, token string
		_, err = pgx.ForEachRow(rows, []any{&id, &token}, func() error {
			acked[held{id, token}] = true
			return nil
		})
		return err
	})
	for _, r := range batch {
		switch {
		case err != nil:
			r.err = err
		case acked[held{r.id, r.token}]:
			r.err = nil
		default:
			r.err = baldur.ErrLeaseLost
		}
	}
}

func ackManySQL(t string) string {
	return fmt.Sprintf(`DELETE FROM %s AS t USING unnest($1::text[], $2::text[]) AS a(id, token)
WHERE t.id = a.id AND t.token = a.token AND a.token <> ''
RETURNING t.id, t.token`, t)
}
