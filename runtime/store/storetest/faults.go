package storetest

import (
	"context"
	"sync"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// faultStore wraps a real store and makes chosen operations fail, to test
// what the engine does with a failing store. Operations are named as the
// engine names them: claim, get, complete, renew, release.
type faultStore struct {
	baldur.IdempotencyStore

	mu    sync.Mutex
	fail  map[string]error // op → error returned instead of calling the store
	times map[string]int   // op → how many more calls fail, when set; 0: all
	hang  map[string]bool  // op → block until the context ends
	empty bool             // claims are refused and show no record
	calls map[string]int
}

func newFaultStore(s baldur.IdempotencyStore) *faultStore {
	return &faultStore{IdempotencyStore: s, fail: map[string]error{}, times: map[string]int{}, hang: map[string]bool{}, calls: map[string]int{}}
}

// failTimes makes the next n calls of op fail with err.
func (s *faultStore) failTimes(op string, err error, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op], s.times[op] = err, n
}

func (s *faultStore) set(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.times, op)
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
	if n, ok := s.times[op]; ok && err != nil {
		if n--; n == 0 {
			delete(s.fail, op)
			delete(s.times, op)
		} else {
			s.times[op] = n
		}
	}
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (s *faultStore) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	if err := s.before(ctx, "claim"); err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	s.mu.Lock()
	empty := s.empty
	s.mu.Unlock()
	if empty {
		return baldur.IdempotencyRecord{}, false, nil
	}
	return s.IdempotencyStore.Claim(ctx, key, rec, now)
}

func (s *faultStore) Get(ctx context.Context, key string) (baldur.IdempotencyRecord, bool, error) {
	if err := s.before(ctx, "get"); err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	return s.IdempotencyStore.Get(ctx, key)
}

func (s *faultStore) Update(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) error {
	op := "complete"
	if rec.State == baldur.RecordInFlight {
		op = "renew"
	}
	if err := s.before(ctx, op); err != nil {
		return err
	}
	return s.IdempotencyStore.Update(ctx, key, rec, now)
}

func (s *faultStore) Release(ctx context.Context, key, token string) error {
	if err := s.before(ctx, "release"); err != nil {
		return err
	}
	return s.IdempotencyStore.Release(ctx, key, token)
}
