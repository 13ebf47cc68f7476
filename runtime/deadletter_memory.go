package baldur

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryDeadLetterStore keeps dead letters in this process's memory: for
// tests, and for the runtime when dlq is used without a store, which it
// says once at Warn, since its letters do not survive a restart.
type MemoryDeadLetterStore struct {
	mu         sync.Mutex
	letters    map[string]*StoredLetter
	maxLetters int
}

// NewMemoryDeadLetterStore returns an empty store holding at most
// maxLetters letters (0 means 10,000).
func NewMemoryDeadLetterStore(maxLetters int) *MemoryDeadLetterStore {
	if maxLetters <= 0 {
		maxLetters = 10000
	}
	return &MemoryDeadLetterStore{letters: map[string]*StoredLetter{}, maxLetters: maxLetters}
}

var _ DeadLetterStore = (*MemoryDeadLetterStore)(nil)

// copyLetter returns a letter sharing nothing writable with l.
func copyLetter(l StoredLetter) StoredLetter {
	l.Body = bytes.Clone(l.Body)
	l.Fields = maps.Clone(l.Fields)
	return l
}

func (s *MemoryDeadLetterStore) Put(ctx context.Context, l StoredLetter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.letters[l.ID]; ok {
		return nil // a retried Put: the letter is there
	}
	if len(s.letters) >= s.maxLetters {
		return ErrDeadLettersFull
	}
	c := copyLetter(l)
	c.State, c.Token, c.LeaseUntil = LetterPending, "", time.Time{}
	s.letters[l.ID] = &c
	return nil
}

// sorted lists the letters oldest first. Called with s.mu held.
func (s *MemoryDeadLetterStore) sorted() []*StoredLetter {
	out := slices.Collect(maps.Values(s.letters))
	slices.SortFunc(out, func(a, b *StoredLetter) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// claimable is the instant l became claimable: its next replay, or the end
// of its lease when that is later.
func claimable(l *StoredLetter) time.Time {
	if l.LeaseUntil.After(l.NextReplay) {
		return l.LeaseUntil
	}
	return l.NextReplay
}

func leased(l *StoredLetter, now time.Time) bool { return l.Token != "" && l.LeaseUntil.After(now) }

func (s *MemoryDeadLetterStore) lease(l *StoredLetter, now time.Time, d time.Duration) StoredLetter {
	l.Token, l.LeaseUntil = rand.Text(), now.Add(d)
	l.Replays++
	return copyLetter(*l)
}

func (s *MemoryDeadLetterStore) Claim(ctx context.Context, r ClaimRequest) ([]StoredLetter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.Lease <= 0 {
		return nil, errors.New("baldur: dead-letter claim with a lease of zero or less")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StoredLetter
	due := s.sorted()
	slices.SortStableFunc(due, func(a, b *StoredLetter) int {
		return cmp.Or(claimable(a).Compare(claimable(b)), cmp.Compare(a.ID, b.ID))
	})
	for _, l := range due {
		if len(out) >= r.Max {
			break
		}
		if l.State != LetterPending || leased(l, r.Now) || !slices.Contains(r.Policies, l.Policy) {
			continue
		}
		if !r.Anytime && l.NextReplay.After(r.Now) {
			continue
		}
		out = append(out, s.lease(l, r.Now, r.Lease))
	}
	return out, nil
}

func (s *MemoryDeadLetterStore) ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (StoredLetter, bool, error) {
	if err := ctx.Err(); err != nil {
		return StoredLetter{}, false, err
	}
	if lease <= 0 {
		return StoredLetter{}, false, errors.New("baldur: dead-letter claim with a lease of zero or less")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.letters[id]
	if l == nil || leased(l, now) {
		return StoredLetter{}, false, nil
	}
	return s.lease(l, now, lease), true, nil
}

// held returns the letter id when token holds it. Called with s.mu held.
func (s *MemoryDeadLetterStore) held(id, token string) (*StoredLetter, error) {
	l := s.letters[id]
	if l == nil || l.Token != token || token == "" {
		return nil, ErrLeaseLost
	}
	return l, nil
}

func (s *MemoryDeadLetterStore) Ack(ctx context.Context, id, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.held(id, token); err != nil {
		return err
	}
	delete(s.letters, id)
	return nil
}

func (s *MemoryDeadLetterStore) Reschedule(ctx context.Context, id, token string, u LetterUpdate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.held(id, token)
	if err != nil {
		return err
	}
	l.Body, l.LastFailed, l.Token, l.LeaseUntil = bytes.Clone(u.Body), u.LastFailed, "", time.Time{}
	if u.Park {
		l.State, l.Reason = LetterParked, u.Reason
	} else {
		l.NextReplay = u.NextReplay
	}
	return nil
}

func (s *MemoryDeadLetterStore) Get(ctx context.Context, id string) (StoredLetter, bool, error) {
	if err := ctx.Err(); err != nil {
		return StoredLetter{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.letters[id]
	if l == nil {
		return StoredLetter{}, false, nil
	}
	return copyLetter(*l), true, nil
}

func (s *MemoryDeadLetterStore) List(ctx context.Context, f LetterFilter) ([]StoredLetter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := f.MaxLetters()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StoredLetter
	after := f.After == ""
	for _, l := range s.sorted() {
		if !after {
			after = l.ID == f.After
			continue
		}
		if (f.Policy == "" || l.Policy == f.Policy) && (f.State == 0 || l.State == f.State) {
			out = append(out, copyLetter(*l))
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (s *MemoryDeadLetterStore) Requeue(ctx context.Context, id string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.letters[id]
	switch {
	case l == nil:
		return ErrNoLetter
	case leased(l, now):
		return ErrLeaseLost
	}
	l.State, l.Reason, l.Replays, l.NextReplay, l.Token = LetterPending, "", 0, now, ""
	return nil
}

func (s *MemoryDeadLetterStore) Drop(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.letters[id] == nil {
		return ErrNoLetter
	}
	delete(s.letters, id)
	return nil
}

func (s *MemoryDeadLetterStore) Counts(ctx context.Context) ([]LetterCount, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[[2]any]int{}
	for _, l := range s.letters {
		n[[2]any{l.Policy, l.State}]++
	}
	out := make([]LetterCount, 0, len(n))
	for k, c := range n {
		out = append(out, LetterCount{Policy: k[0].(string), State: k[1].(LetterState), N: c})
	}
	slices.SortFunc(out, func(a, b LetterCount) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.State, b.State))
	})
	return out, nil
}
