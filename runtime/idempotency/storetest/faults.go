package storetest

import (
	"context"
	"sync"
	"time"

	"github.com/baldur-go/baldur/runtime/idempotency"
)

// faultStore wraps a real store and makes chosen operations fail, to test
// what the engine does with a failing store. Operations are named as the
// engine names them: claim, get, complete, renew, release.
type faultStore struct {
	idempotency.Store

	mu    sync.Mutex
	fail  map[string]error // op → error returned instead of calling the store
	hang  map[string]bool  // op → block until the context ends
	empty bool             // claims are refused and show no record
	calls map[string]int
}

func newFaultStore(s idempotency.Store) *faultStore {
	return &faultStore{Store: s, fail: map[string]error{}, hang: map[string]bool{}, calls: map[string]int{}}
}

func (s *faultStore) set(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, op)
	} else {
		s.fail[op] = err
	}
}

func (s *faultStore) setHang(op string, hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang[op] = hang
}

func (s *faultStore) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *faultStore) before(ctx context.Context, op string) error {
	s.mu.Lock()
	s.calls[op]++
	err, hang := s.fail[op], s.hang[op]
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (s *faultStore) Claim(ctx context.Context, key string, rec idempotency.Record, now time.Time) (idempotency.Record, bool, error) {
	if err := s.before(ctx, "claim"); err != nil {
		return idempotency.Record{}, false, err
	}
	s.mu.Lock()
	empty := s.empty
	s.mu.Unlock()
	if empty {
		return idempotency.Record{}, false, nil
	}
	return s.Store.Claim(ctx, key, rec, now)
}

func (s *faultStore) Get(ctx context.Context, key string) (idempotency.Record, bool, error) {
	if err := s.before(ctx, "get"); err != nil {
		return idempotency.Record{}, false, err
	}
	return s.Store.Get(ctx, key)
}

func (s *faultStore) Update(ctx context.Context, key string, rec idempotency.Record, now time.Time) error {
	op := "complete"
	if rec.State == idempotency.StateInFlight {
		op = "renew"
	}
	if err := s.before(ctx, op); err != nil {
		return err
	}
	return s.Store.Update(ctx, key, rec, now)
}

func (s *faultStore) Release(ctx context.Context, key, token string) error {
	if err := s.before(ctx, "release"); err != nil {
		return err
	}
	return s.Store.Release(ctx, key, token)
}
