// Package redisstore keeps idempotency records in Redis (go-redis v9), for
// engines in several processes that share one Redis.
//
// A claim is one round trip: SET key value PX ttl NX GET both claims a free
// key and returns the record that holds it (Redis 7.0 or later). Taking over
// a record whose lease or life has ended, completing, renewing and
// releasing are Lua scripts that compare the stored owner token first, so
// a late owner cannot overwrite its successor. Expiry is decided with the
// engine's clock, passed in as now; Redis's own PX, set a grace period past
// the record's expiry, only removes records nobody reads any more.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
)

// DefaultPrefix starts every key the store writes.
const DefaultPrefix = "baldur:idem:"

// DefaultGrace is how long Redis keeps a record after its expiry: enough
// for clocks of engine hosts and Redis to disagree a little without Redis
// dropping a record the engine still counts as live.
const DefaultGrace = time.Minute

// Store is an baldur.IdempotencyStore on a Redis client, a cluster client or a
// ring: every operation touches one key.
type Store struct {
	c       redis.UniversalClient
	prefix  string
	grace   time.Duration
	bounded bool // c honours context deadlines
}

var _ baldur.IdempotencyStore = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the key prefix (default DefaultPrefix), for instance to
// keep several services apart in one Redis.
func WithPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithGrace sets how long past expiry Redis keeps a record (default
// DefaultGrace).
func WithGrace(d time.Duration) Option { return func(s *Store) { s.grace = d } }

// New returns a Store using c, which the caller keeps and closes.
func New(c redis.UniversalClient, opts ...Option) *Store {
	s := &Store{c: c, prefix: DefaultPrefix, grace: DefaultGrace}
	for _, o := range opts {
		o(s)
	}
	switch c := c.(type) {
	case *redis.Client:
		s.bounded = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		s.bounded = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		s.bounded = c.Options().ContextTimeoutEnabled
	}
	return s
}

// BoundedByContext reports whether every operation returns by its
// context's deadline: it does when the client was built with
// ContextTimeoutEnabled, which makes go-redis bound its reads, writes,
// retries and pool waits by the context. The runtime bounds the
// operations of any store itself, on a goroutine of its own; a store that
// bounds them lets a caller whose context cannot be cancelled make its
// call on its own goroutine, which is cheaper.
func (s *Store) BoundedByContext() bool { return s.bounded }

// Claim sets the record if the key is free; otherwise it gets the holder
// in the same command. A holder that is no longer live is taken over by a
// script that checks its expiry again, atomically, so of two callers that
// found the same dead record only one takes it.
func (s *Store) Claim(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) (baldur.IdempotencyRecord, bool, error) {
	k, val, px := s.prefix+key, encode(rec), s.ttl(rec.Expires, now)
	old, err := s.c.Do(ctx, "SET", k, val, "PX", px, "NX", "GET").Text()
	if errors.Is(err, redis.Nil) {
		return rec, true, nil
	}
	if err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	cur, err := decode(old)
	if err != nil {
		return baldur.IdempotencyRecord{}, false, fmt.Errorf("redisstore: key %s: %w", k, err)
	}
	if cur.Live(now) {
		return cur, false, nil
	}
	held, err := takeover.Run(ctx, s.c, []string{k}, now.UnixMilli(), val, px).Text()
	if errors.Is(err, redis.Nil) {
		return rec, true, nil
	}
	if err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	if cur, err = decode(held); err != nil {
		return baldur.IdempotencyRecord{}, false, fmt.Errorf("redisstore: key %s: %w", k, err)
	}
	return cur, false, nil
}

func (s *Store) Get(ctx context.Context, key string) (baldur.IdempotencyRecord, bool, error) {
	raw, err := s.c.Get(ctx, s.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return baldur.IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return baldur.IdempotencyRecord{}, false, err
	}
	rec, err := decode(raw)
	if err != nil {
		return baldur.IdempotencyRecord{}, false, fmt.Errorf("redisstore: key %s: %w", s.prefix+key, err)
	}
	return rec, true, nil
}

func (s *Store) Update(ctx context.Context, key string, rec baldur.IdempotencyRecord, now time.Time) error {
	n, err := casSet.Run(ctx, s.c, []string{s.prefix + key}, rec.Token, encode(rec), s.ttl(rec.Expires, now)).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return baldur.ErrLeaseLost
	}
	return nil
}

func (s *Store) Release(ctx context.Context, key, token string) error {
	n, err := casDel.Run(ctx, s.c, []string{s.prefix + key}, token).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return baldur.ErrLeaseLost
	}
	return nil
}

// ttl is the physical time to live, in milliseconds, of a record that
// expires at exp: its remaining life plus the grace period.
func (s *Store) ttl(exp, now time.Time) int64 {
	return max(exp.Sub(now)+s.grace, time.Millisecond).Milliseconds()
}
