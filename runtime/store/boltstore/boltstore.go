package boltstore

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Defaults for the Options.
const (
	DefaultMaxLetters  = 100_000
	DefaultMaxBytes    = 1 << 30
	DefaultLockTimeout = time.Second
	// DefaultMaxBatch caps the writes one commit holds; more wait for the
	// next commit, which starts as soon as this one is durable.
	DefaultMaxBatch = 1024
)

var (
	// ErrLocked: another Open holds the file, in this process or another.
	ErrLocked = errors.New("boltstore: the file is open elsewhere")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("boltstore: store is closed")
)

// Store is a baldur.DeadLetterStore in a bbolt file. It is safe for
// concurrent use; runtimes in one process share one Store.
type Store struct {
	db   *bolt.DB
	opts options

	ops     chan *op      // writes waiting for the committer
	quit    chan struct{} // closed by Close once no write is pending
	stopped chan struct{} // closed when the committer has returned

	mu      sync.RWMutex // guards closed; writers hold it shared while queueing
	closed  bool
	pending sync.WaitGroup

	commits, writes atomic.Uint64 // for Stats
	waiting         atomic.Int64  // writes queued for the committer, for tests

	// update runs one write transaction; tests replace it to make a
	// commit fail (see writefail_test.go).
	update func(fn func(*bolt.Tx) error) error
}

var _ baldur.DeadLetterStore = (*Store)(nil)

type options struct {
	maxLetters  int
	maxBytes    int64
	lockTimeout time.Duration
	maxBatch    int
}

// Option configures Open.
type Option func(*options) error

// WithMaxLetters bounds the letters the file holds (default 100,000). A
// Put beyond it returns an error matching baldur.ErrDeadLettersFull.
func WithMaxLetters(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("boltstore: WithMaxLetters(%d): must be positive", n)
		}
		o.maxLetters = n
		return nil
	}
}

// WithMaxBytes bounds the bytes of the letters held (IDs and encoded
// letters, bodies included; default 1 GiB). The file is larger, by
// bbolt's pages and free space. A Put beyond it returns an error matching
// baldur.ErrDeadLettersFull.
func WithMaxBytes(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("boltstore: WithMaxBytes(%d): must be positive", n)
		}
		o.maxBytes = n
		return nil
	}
}

// WithLockTimeout is how long Open waits for the file's lock before it
// fails with ErrLocked (default 1 s).
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("boltstore: WithLockTimeout(%v): must be positive", d)
		}
		o.lockTimeout = d
		return nil
	}
}

// WithMaxBatch caps the writes that share one commit (default 1024).
func WithMaxBatch(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("boltstore: WithMaxBatch(%d): must be positive", n)
		}
		o.maxBatch = n
		return nil
	}
}

// Open opens or creates the file at path (mode 0600) and starts the
// goroutine that commits writes; Close stops it.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{maxLetters: DefaultMaxLetters, maxBytes: DefaultMaxBytes, lockTimeout: DefaultLockTimeout, maxBatch: DefaultMaxBatch}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	// NoSync stays off: a letter is on disk when Put returns.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.lockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s: lock not acquired within %v (one Store per file: share it)", ErrLocked, path, o.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := db.Update(createBuckets); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	s := &Store{
		db: db, opts: o,
		ops: make(chan *op), quit: make(chan struct{}), stopped: make(chan struct{}),
		update: db.Update,
	}
	go s.commitLoop()
	return s, nil
}

// Close waits for the writes under way, stops the committer and closes the
// file. Calls after the first return nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.pending.Wait()
	close(s.quit)
	<-s.stopped
	return s.db.Close()
}

// Path is the file's path.
func (s *Store) Path() string { return s.db.Path() }

// Stats says how the store's writes were committed.
type Stats struct {
	// Commits is the write transactions run, Writes the writes (Put,
	// Claim, Ack...) they held: Writes/Commits is the mean batch.
	Commits, Writes uint64
}

// Stats returns the counts since Open.
func (s *Store) Stats() Stats { return Stats{Commits: s.commits.Load(), Writes: s.writes.Load()} }
