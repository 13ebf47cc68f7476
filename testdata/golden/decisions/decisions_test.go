package decisions

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/testdata/lib/classifiers"
	"github.com/baldur-go/baldur/testdata/lib/harness"

	baldur "github.com/baldur-go/baldur/runtime"
)

// gateway fails with err for its first failures calls of each method.
type gateway struct {
	calls    atomic.Int32
	failures int32
	err      error
	health   []string // Check's answers, in turn; the last one repeats
	byHost   map[string]error
}

func (g *gateway) fail() error {
	if g.calls.Add(1) <= g.failures {
		return g.err
	}
	return nil
}

func (g *gateway) Charge(ctx context.Context, orderID string, req *Request, cardNumber string) (Receipt, error) {
	if err := g.fail(); err != nil {
		return Receipt{}, err
	}
	return Receipt{OrderID: orderID, Status: "charged"}, nil
}

func (g *gateway) Plain(ctx context.Context, orderID string, req *Request, cardNumber string) (Receipt, error) {
	return g.Charge(ctx, orderID, req, cardNumber)
}

func (g *gateway) Check(ctx context.Context, service string) (*Health, error) {
	n := int(g.calls.Add(1)) - 1
	return &Health{Status: g.health[min(n, len(g.health)-1)]}, nil
}

func (g *gateway) Query(ctx context.Context, host string, sql string) (int, error) {
	g.calls.Add(1)
	return 1, g.byHost[host]
}

func (g *gateway) Store(ctx context.Context, req Request) error { return g.fail() }

// events records what an observer sees.
type events struct {
	mu  sync.Mutex
	all []baldur.Event
}

func (e *events) observe(ev baldur.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

const overrides = `
policies:
  dec-charge:
    overrides:
      - when: {tier: critical}
        retry: {attempts: 6}
breakers:
  dec-db:
    size: 4
    minimum_calls: 4
    failure_rate: 50
  dec-shards:
    size: 2
    minimum_calls: 2
    failure_rate: 50
`

func request(tier Tier) *Request {
	return &Request{Customer: &Customer{ID: "c-1", Tier: tier, Segment: "retail"}}
}

// Every retry event says which order, tier and segment it was for; the
// sensitive card number is in none of them.
func TestEventsCarryTheFieldsButNotTheSensitiveOne(t *testing.T) {
	var seen events
	rt, _ := harness.Runtime(t, "", baldur.WithObserver(seen.observe))
	inner := &gateway{failures: 2, err: ErrUnavailable}
	if _, err := NewGatewayProtected(inner, rt).Charge(context.Background(), "o-1", request("silver"), "4111111111111111"); err != nil {
		t.Fatal(err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	retries := 0
	for _, ev := range seen.all {
		if ev.Policy != "dec-charge" {
			continue
		}
		for name, v := range ev.Context.Fields() {
			if v == "4111111111111111" || name == "card_number" {
				t.Fatalf("event %v carries the card number as %s", ev.Kind, name)
			}
		}
		if ev.Kind != baldur.EventRetry {
			continue
		}
		retries++
		order, _ := ev.Context.Field("order_id")
		tier, _ := ev.Context.Field("tier")
		segment, _ := ev.Context.Field("segment")
		if order != "o-1" || tier != "silver" || segment != "retail" {
			t.Errorf("retry event fields order_id=%q tier=%q segment=%q", order, tier, segment)
		}
	}
	if retries != 2 {
		t.Fatalf("%d retry events, want 2", retries)
	}
}

// The override for critical customers gives them six attempts; the others
// keep the annotation's three.
func TestOverrideByTier(t *testing.T) {
	for tier, want := range map[Tier]int32{"critical": 6, "silver": 3} {
		rt, _ := harness.Runtime(t, overrides)
		inner := &gateway{failures: 100, err: ErrUnavailable}
		got, err := NewGatewayProtected(inner, rt).Charge(context.Background(), "o-1", request(tier), "")
		if err != nil || got.Status != "fallback" || inner.calls.Load() != want {
			t.Errorf("%s: %+v, %v after %d attempts; want the fallback after %d", tier, got, err, inner.calls.Load(), want)
		}
	}
}

// classify decides before the lists: a decline goes back as is, fraud and
// a gold customer's outage stop at once and fall back.
func TestClassifyReadsTheErrorAndTheCall(t *testing.T) {
	for _, c := range []struct {
		name     string
		tier     Tier
		err      error
		calls    int32
		fallback bool
	}{
		{"decline", "silver", ErrDeclined, 1, false},
		{"fraud", "silver", ErrFraud, 1, true},
		{"gold outage", "gold", ErrUnavailable, 1, true},
		{"silver outage", "silver", ErrUnavailable, 3, true},
	} {
		rt, _ := harness.Runtime(t, "")
		inner := &gateway{failures: 100, err: c.err}
		got, err := NewGatewayProtected(inner, rt).Charge(context.Background(), "o-1", request(c.tier), "")
		switch {
		case inner.calls.Load() != c.calls:
			t.Errorf("%s: %d calls, want %d", c.name, inner.calls.Load(), c.calls)
		case c.fallback && (err != nil || got.Status != "fallback"):
			t.Errorf("%s: %+v, %v; want the fallback", c.name, got, err)
		case !c.fallback && !errors.Is(err, c.err):
			t.Errorf("%s: %+v, %v; want %v as is", c.name, got, err, c.err)
		}
		if m := rt.Breaker("dec-gateway").Metrics(); c.name == "decline" && m.Failures != 0 {
			t.Errorf("a decline counted as a breaker failure: %+v", m)
		}
	}
}

// A nil pointer on a context path is a zero field, not a panic.
func TestNilOnThePathIsAZeroField(t *testing.T) {
	var seen events
	rt, _ := harness.Runtime(t, "", baldur.WithObserver(seen.observe))
	d := NewGatewayProtected(&gateway{failures: 1, err: ErrUnavailable}, rt)
	for _, req := range []*Request{nil, {}} {
		if _, err := d.Charge(context.Background(), "o-1", req, ""); err != nil {
			t.Fatal(err)
		}
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	for _, ev := range seen.all {
		if tier, ok := ev.Context.Field("tier"); ev.Policy == "dec-charge" && (!ok || tier != "") {
			t.Fatalf("tier = %q, %v; want an empty field", tier, ok)
		}
	}
}

// Check's classifier judges results: NOT_SERVING is retried; when every
// attempt says so, the caller gets the last answer as it was.
func TestResultsAreJudged(t *testing.T) {
	rt, _ := harness.Runtime(t, "")
	inner := &gateway{health: []string{"NOT_SERVING", "NOT_SERVING", "SERVING"}}
	h, err := NewGatewayProtected(inner, rt).Check(context.Background(), "db")
	if err != nil || h.Status != "SERVING" || inner.calls.Load() != 3 {
		t.Fatalf("%+v, %v after %d calls; want SERVING on the third", h, err, inner.calls.Load())
	}
	rt2, _ := harness.Runtime(t, "")
	down := &gateway{health: []string{"NOT_SERVING"}}
	h, err = NewGatewayProtected(down, rt2).Check(context.Background(), "db")
	if err != nil || h == nil || h.Status != "NOT_SERVING" || down.calls.Load() != 3 {
		t.Fatalf("%+v, %v after %d calls; want the last NOT_SERVING answer, no error, after 3", h, err, down.calls.Load())
	}
}

// One host's failures open its own breaker; another host's calls go on.
// The classifier from another package retries what retry_on leaves out.
func TestBreakerPerHost(t *testing.T) {
	rt, _ := harness.Runtime(t, overrides)
	inner := &gateway{byHost: map[string]error{"db-1": ErrUnavailable}}
	d := NewGatewayProtected(inner, rt)
	ctx := context.Background()
	for range 2 {
		d.Query(ctx, "db-1", "select 1") // two calls of two attempts each
	}
	if b := rt.KeyedBreaker("dec-db", "db-1"); b == nil || b.State() != baldur.StateOpen {
		t.Fatalf("db-1's breaker: %v; want open", b)
	}
	if _, err := d.Query(ctx, "db-2", "select 1"); err != nil {
		t.Fatalf("db-2 while db-1 is open: %v", err)
	}
	if b := rt.KeyedBreaker("dec-db", "db-2"); b == nil || b.State() != baldur.StateClosed {
		t.Fatalf("db-2's breaker: %v; want closed", b)
	}
	inner.byHost["db-3"] = classifiers.ErrOverloaded
	before := inner.calls.Load()
	d.Query(ctx, "db-3", "select 1")
	if n := inner.calls.Load() - before; n != 2 {
		t.Fatalf("ErrOverloaded: %d attempts, want 2 (the classifier retries it)", n)
	}
}

// breaker_key through a field path: one breaker per shard.
func TestBreakerPerShard(t *testing.T) {
	rt, _ := harness.Runtime(t, overrides)
	d := NewGatewayProtected(&gateway{failures: 2, err: ErrUnavailable}, rt)
	ctx := context.Background()
	for range 2 {
		d.Store(ctx, Request{Tenant: Tenant{Name: "acme", Shard: 7}})
	}
	if b := rt.KeyedBreaker("dec-shards", "7"); b == nil || b.State() != baldur.StateOpen {
		t.Fatalf("shard 7's breaker: %v; want open", b)
	}
	if err := d.Store(ctx, Request{Tenant: Tenant{Name: "acme", Shard: 8}}); err != nil {
		t.Fatalf("shard 8: %v", err)
	}
}

// Three fields, an error-only classifier and an override in the
// configuration make the decorator gather the fields on every call; the
// happy path still allocates nothing. So does the same method without them.
func TestHappyPathAllocatesNothing(t *testing.T) {
	rt, _ := harness.Runtime(t, overrides)
	d := NewGatewayProtected(&gateway{}, rt)
	ctx := context.Background()
	req := request("critical")
	for name, call := range map[string]func(){
		"fields, classify, override": func() {
			if _, err := d.Charge(ctx, "o-1", req, "4111"); err != nil {
				t.Fatal(err)
			}
		},
		"plain": func() {
			if _, err := d.Plain(ctx, "o-1", req, "4111"); err != nil {
				t.Fatal(err)
			}
		},
	} {
		for range 200 { // fill the breaker's window so that it settles
			call()
		}
		if n := testing.AllocsPerRun(1000, call); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
	if !d.charge.NeedsFields() || d.plain.NeedsFields() {
		t.Errorf("NeedsFields: charge %v, plain %v; want true, false", d.charge.NeedsFields(), d.plain.NeedsFields())
	}
}
