package baldur

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Runtime owns the state that protected calls share: breakers by name, the
// configuration, the clock, the logger. Build one per process with New.
type Runtime struct {
	clock Clock
	// calls is the clock of a call's own waits (backoff, attempt timeouts):
	// clock's CallClock when it has one, so a test can tell them from the
	// runtime's background timers.
	calls    Clock
	fake     bool // clock is not SystemClock: timeouts run on its timers
	logger   *slog.Logger
	observer Observer
	config   *Config
	// configFrom names the option that gave config, so a second one is
	// refused rather than silently dropped.
	configFrom string
	// callEvents: an observer is installed or the logger kept Debug records
	// when New ran. Events that happen once per call are built only then,
	// so a failing call asks no logger whether it is enabled.
	callEvents bool

	mu sync.Mutex
	// methods is the Spec.Method of each policy name built, and
	// builtBreakers the breakers policies use: CheckConfig reports the
	// configuration sections neither names.
	methods       map[string]string
	builtBreakers map[string]bool
	breakers      map[string]*CircuitBreaker
	budgets       map[string]*retryBudget
	engines       map[string]*idemEngine

	idemStore IdempotencyStore
	clients   []ClientErrors // from WithClientErrors
	closed    bool

	dlStore DeadLetterStore
	sealer  Sealer
	dlOnce  sync.Once
	dlq     atomic.Pointer[deadLetterQueue] // built by letters()
	// open is the gate of policies without a breaker: it never rejects.
	open atomic.Pointer[generation]
}

// Option configures a Runtime.
type Option func(*Runtime) error

// New builds a Runtime. With no option it runs on built-in defaults, the
// system clock and slog.Default.
func New(opts ...Option) (*Runtime, error) {
	rt := &Runtime{
		clock:         SystemClock{},
		logger:        slog.Default(),
		config:        &Config{},
		breakers:      make(map[string]*CircuitBreaker),
		methods:       make(map[string]string),
		builtBreakers: make(map[string]bool),
		budgets:       make(map[string]*retryBudget),
		engines:       make(map[string]*idemEngine),
	}
	rt.open.Store(&generation{state: StateClosed})
	var errs []error
	for _, opt := range opts {
		if err := opt(rt); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	_, rt.fake = rt.clock.(SystemClock)
	rt.fake = !rt.fake
	rt.calls = rt.clock
	if cc, ok := rt.clock.(CallClock); ok {
		rt.calls = cc.CallClock()
	}
	rt.callEvents = rt.observer != nil || rt.logger.Enabled(context.Background(), slog.LevelDebug)
	return rt, nil
}

// WithLogger sends the runtime's events to logger.
func WithLogger(logger *slog.Logger) Option {
	return func(rt *Runtime) error {
		if logger == nil {
			return errors.New("baldur: WithLogger: nil logger")
		}
		rt.logger = logger
		return nil
	}
}

// WithClock replaces the system clock, for tests.
func WithClock(c Clock) Option {
	return func(rt *Runtime) error {
		if c == nil {
			return errors.New("baldur: WithClock: nil clock")
		}
		rt.clock = c
		return nil
	}
}

// WithObserver hands every event to o as well as to the logger. With an
// observer, events that happen once per call (a retry, a rejection, a
// fallback) are built and delivered; without one, and with a logger that
// drops Debug records, they cost nothing.
func WithObserver(o Observer) Option {
	return func(rt *Runtime) error {
		rt.observer = o
		return nil
	}
}

// Close stops the runtime's timers. Calls made afterwards still run, but
// open breakers no longer move to half-open on their own, time windows
// stop sliding and retry budgets stop expiring.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil
	}
	rt.closed = true
	for _, b := range rt.breakers {
		b.stop()
	}
	for _, b := range rt.budgets {
		b.stop()
	}
	q := rt.dlq.Load()
	rt.mu.Unlock()
	if q != nil {
		q.close() // waits for replays in progress
	}
	return nil
}

// Budget returns a snapshot of the retry budget of the policy called name,
// and false when no policy of that name has one.
func (rt *Runtime) Budget(name string) (BudgetMetrics, bool) {
	rt.mu.Lock()
	b := rt.budgets[name]
	rt.mu.Unlock()
	if b == nil {
		return BudgetMetrics{}, false
	}
	return b.metrics(), true
}

// Breaker returns the breaker registered under name, or nil when no policy
// uses it yet.
func (rt *Runtime) Breaker(name string) *CircuitBreaker {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.breakers[name]
}

// Policy builds the executor for one protected method. Generated
// constructors call it once per method; the configuration is resolved
// here, never per call.
func (rt *Runtime) Policy(spec Spec) *Policy {
	if rt == nil {
		panic("baldur: a protected decorator needs a *baldur.Runtime; build one with baldur.New")
	}
	r := rt.config.resolve(spec)
	p := &Policy{
		rt:              rt,
		name:            spec.Name,
		method:          spec.Method,
		cfg:             r.cfg,
		from:            r.from,
		timeout:         r.cfg.Timeout.v,
		retry:           r.cfg.Retry,
		retryOn:         spec.RetryOn,
		abortOn:         spec.AbortOn,
		ignore:          spec.Ignore,
		meshOwnsNetwork: r.cfg.Mesh.OwnsNetworkRetries.v,
		leafSafe:        comparableErrors(spec.RetryOn, spec.AbortOn, spec.Ignore),
		gate:            &rt.open,
	}
	rt.share(p, spec, r)
	if spec.DeadLetter != nil {
		if spec.DeadLetter.Replay == nil {
			panic(fmt.Sprintf("baldur: policy %s: a DeadLetterSpec needs a Replay function", spec.Name))
		}
		p.dl = spec.DeadLetter
		rt.letters().register(p)
	}
	return p
}

// share gives p the state it shares with the runtime's other policies:
// its breaker, idempotency engine and retry budget.
func (rt *Runtime) share(p *Policy, spec Spec, r resolution) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if other, ok := rt.methods[spec.Name]; ok && other != spec.Method {
		// One name, one method: two methods under one name would share
		// idempotency records, a breaker and a retry budget, and one's
		// stored result would answer the other's calls.
		panic(fmt.Sprintf("baldur: policy name %q is used by %s and by %s; give one of them its own name= (two methods never share a policy)", spec.Name, other, spec.Method))
	}
	rt.methods[spec.Name] = spec.Method
	if r.breaker != "" {
		rt.builtBreakers[r.breaker] = true
		b, ok := rt.breakers[r.breaker]
		if !ok {
			cfg, _ := rt.config.breakerConfig(r.breaker)
			b = newCircuitBreaker(rt, r.breaker, cfg)
			if rt.closed {
				b.stop()
			}
			rt.breakers[r.breaker] = b
		}
		p.breaker = b
		p.gate = &b.cur
		p.lean = p.timeout <= 0 && b.cfg.SlowCall.v <= 0
	}
	if spec.Dedupe {
		p.idem, p.idemTTL = rt.engine(spec.Name, spec.Method, r.cfg.Idempotency), r.cfg.Idempotency.TTL.v
	}
	if r.cfg.Retry.Attempts.v > 1 && r.cfg.Budget.Enabled.v {
		b, ok := rt.budgets[spec.Name]
		if !ok {
			b = newRetryBudget(rt.clock, r.cfg.Budget)
			if rt.closed {
				b.stop()
			}
			rt.budgets[spec.Name] = b
		}
		p.budget = b
	}
}

// sleep waits d on the runtime's clock, or returns the context's error if
// it ends first.
func (rt *Runtime) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := rt.calls.NewTimer(d)
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// withTimeout derives an attempt context that ends after d. On the system
// clock it carries a real deadline, which transports such as gRPC pass on
// to the server; on an injected clock the clock's timer cancels it.
func (rt *Runtime) withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if !rt.fake {
		return context.WithTimeout(ctx, d)
	}
	deadline := rt.calls.Now().Add(d)
	cctx, cancel := context.WithCancelCause(ctx)
	t := rt.calls.AfterFunc(d, func() { cancel(context.DeadlineExceeded) })
	return &clockDeadlineCtx{Context: cctx, deadline: deadline}, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// clockDeadlineCtx reports the injected clock's deadline and, once that
// deadline has cancelled it, context.DeadlineExceeded.
type clockDeadlineCtx struct {
	context.Context
	deadline time.Time
}

func (c *clockDeadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *clockDeadlineCtx) Err() error {
	if err := c.Context.Err(); err != nil {
		if errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
			return context.DeadlineExceeded
		}
		return err
	}
	return nil
}
