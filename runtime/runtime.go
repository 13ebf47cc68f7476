package baldur

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
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
	// interceptor sees every call whole; nil costs nothing.
	interceptor Interceptor
	config      *Config
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
	policies      map[string]*Policy // the first built under each name
	builtBreakers map[string]bool
	breakers      map[string]*CircuitBreaker
	keyed         map[string]*keyedBreaker
	unread        []string // configuration no policy can read, for CheckConfig
	budgets       map[string]*retryBudget
	engines       map[string]*idemEngine

	idemStore IdempotencyStore
	idemGuard *storeGuard    // the store's breaker, shared by the engines
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
		keyed:         make(map[string]*keyedBreaker),
		methods:       make(map[string]string),
		policies:      make(map[string]*Policy),
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
	rt.callEvents = rt.observer != nil || rt.interceptor != nil || rt.logger.Enabled(context.Background(), slog.LevelDebug)
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
	for _, k := range rt.keyed {
		k.stop()
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
// uses it yet. For a keyed breaker (breaker_key) see KeyedBreaker.
func (rt *Runtime) Breaker(name string) *CircuitBreaker {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.breakers[name]
}

// KeyedBreaker returns the breaker kept under name for key, or nil when no
// call with that key has been made (or its breaker was dropped, being the
// least recently used of breaker.max_keys).
func (rt *Runtime) KeyedBreaker(name, key string) *CircuitBreaker {
	rt.mu.Lock()
	k := rt.keyed[name]
	rt.mu.Unlock()
	if k == nil {
		return nil
	}
	return k.lookup(key)
}

// Breakers returns every breaker of the runtime, those kept per key
// included, sorted by name and key.
func (rt *Runtime) Breakers() []*CircuitBreaker {
	rt.mu.Lock()
	out := make([]*CircuitBreaker, 0, len(rt.breakers))
	for _, b := range rt.breakers {
		out = append(out, b)
	}
	keyed := make([]*keyedBreaker, 0, len(rt.keyed))
	for _, k := range rt.keyed {
		keyed = append(keyed, k)
	}
	rt.mu.Unlock()
	for _, k := range keyed {
		k.each(func(b *CircuitBreaker) { out = append(out, b) })
	}
	slices.SortFunc(out, func(a, b *CircuitBreaker) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.key, b.key))
	})
	return out
}

// Policies returns every policy built on the runtime, by name: one per
// name, the first built when a decorator was built twice.
func (rt *Runtime) Policies() []*Policy {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]*Policy, 0, len(rt.policies))
	for _, name := range slices.Sorted(maps.Keys(rt.policies)) {
		out = append(out, rt.policies[name])
	}
	return out
}

// noteUnread keeps a configuration problem only a built policy reveals,
// for CheckConfig.
func (rt *Runtime) noteUnread(problem string) {
	rt.mu.Lock()
	rt.unread = append(rt.unread, problem)
	rt.mu.Unlock()
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
		spec:            spec,
		name:            spec.Name,
		method:          spec.Method,
		cfg:             r.cfg,
		from:            r.from,
		base:            variant{timeout: r.cfg.Timeout.v, retry: r.cfg.Retry},
		retryOn:         spec.RetryOn,
		abortOn:         spec.AbortOn,
		ignore:          spec.Ignore,
		meshOwnsNetwork: r.cfg.Mesh.OwnsNetworkRetries.v,
		leafSafe:        comparableErrors(spec.RetryOn, spec.AbortOn, spec.Ignore),
		gate:            &rt.open,
		classify:        spec.Classify,
		breakerBy:       spec.BreakerKey,
	}
	if spec.BreakerKey != "" && r.breaker == "" {
		panic(fmt.Sprintf("baldur: policy %s: BreakerKey %q without a breaker", spec.Name, spec.BreakerKey))
	}
	if ovs := rt.config.Policies[spec.Name].Overrides; len(ovs) > 0 {
		for _, problem := range p.buildVariants(r.cfg, ovs, spec.Fields) {
			rt.logger.Error("baldur: an override can never apply: " + problem)
			rt.noteUnread(problem)
		}
	}
	rt.share(p, spec, r)
	p.needsFields = rt.callEvents || rt.interceptor != nil || p.variants != nil || p.keyed != nil ||
		p.classify != nil || spec.JudgesResults
	for _, v := range p.variants {
		p.lean = p.lean && v.timeout <= 0 // the fast path has no timeout to set
	}
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
	if _, ok := rt.policies[spec.Name]; !ok {
		rt.policies[spec.Name] = p
	}
	if r.breaker != "" && spec.BreakerKey != "" {
		rt.builtBreakers[r.breaker] = true
		if _, ok := rt.breakers[r.breaker]; ok {
			panic(fmt.Sprintf("baldur: breaker %s is keyed for policy %s but not for another policy; give the keyed one its own breaker name", r.breaker, spec.Name))
		}
		k, ok := rt.keyed[r.breaker]
		if !ok {
			cfg, _ := rt.config.breakerConfig(r.breaker)
			k = newKeyedBreaker(rt, r.breaker, cfg)
			rt.keyed[r.breaker] = k
		}
		p.keyed = k
		p.lean = p.base.timeout <= 0 && k.cfg.SlowCall.v <= 0
	} else if r.breaker != "" {
		rt.builtBreakers[r.breaker] = true
		if _, ok := rt.keyed[r.breaker]; ok {
			panic(fmt.Sprintf("baldur: breaker %s is keyed for another policy but not for policy %s; give the keyed one its own breaker name", r.breaker, spec.Name))
		}
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
		p.lean = p.base.timeout <= 0 && b.cfg.SlowCall.v <= 0
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
