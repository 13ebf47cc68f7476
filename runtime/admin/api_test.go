package admin_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/admin"
)

type breaker struct {
	Name        string   `json:"name"`
	Key         string   `json:"key"`
	State       string   `json:"state"`
	Since       string   `json:"since"`
	FailureRate *float64 `json:"failure_rate"`
	Threshold   float64  `json:"failure_rate_threshold"`
	OpenFor     string   `json:"open_for"`
	ProbesLeft  int64    `json:"probes_left"`
	Window      struct {
		Kind         string `json:"kind"`
		Size         int    `json:"size"`
		MinimumCalls int    `json:"minimum_calls"`
		Calls        int64  `json:"calls"`
		Failures     int64  `json:"failures"`
	} `json:"window"`
}

func breakers(t *testing.T, h http.Handler) map[string]breaker {
	t.Helper()
	var out struct{ Breakers []breaker }
	if w := get(t, h, "/api/breakers", &out); w.Code != http.StatusOK {
		t.Fatalf("GET /api/breakers: %d", w.Code)
	}
	m := map[string]breaker{}
	for _, b := range out.Breakers {
		m[b.Name+"/"+b.Key] = b
	}
	return m
}

// Reads need no authorizer: every breaker, keyed ones per key, with its
// window counts, rates (null below minimum_calls) and thresholds.
func TestBreakersReadable(t *testing.T) {
	e := newEnv(t)
	h := e.handler(admin.Options{})
	e.do(e.charge, nil)
	e.do(e.keyed, nil, baldur.String("tenant", "acme"))
	got := breakers(t, h)
	g := got["gateway/"]
	if g.State != "closed" || g.Window.Kind != "count" || g.Window.Size != 4 || g.Window.Calls != 1 || g.Window.MinimumCalls != 2 || g.FailureRate != nil || g.Threshold != 50 || g.OpenFor != "30s" || g.Since == "" {
		t.Fatalf("gateway %+v", g)
	}
	if k, ok := got["notifier/acme"]; !ok || k.State != "closed" {
		t.Fatalf("keyed breaker notifier/acme: %+v (have %v)", k, got)
	}
	e.do(e.charge, errBoom) // three failed attempts open it; an open breaker has no window
	g = breakers(t, h)["gateway/"]
	if g.State != "open" || g.FailureRate != nil || g.Window.Calls != 0 {
		t.Fatalf("after the failures: %+v", g)
	}
}

// Without an authorizer every mutation is refused; with one, only the
// requests it accepts go through, and each is logged.
func TestBreakerMutationsNeedAuthorize(t *testing.T) {
	e := newEnv(t)
	e.do(e.charge, nil)
	b := e.rt.Breaker("gateway")

	if w := post(t, e.handler(admin.Options{}), "/api/breakers/gateway/force-open", "Authorization", "Bearer op"); w.Code != http.StatusForbidden || !strings.Contains(body(w), "no Authorize") {
		t.Fatalf("no authorizer: %d %s", w.Code, body(w))
	}
	h := e.handler(admin.Options{Authorize: operator})
	if w := post(t, h, "/api/breakers/gateway/force-open"); w.Code != http.StatusForbidden {
		t.Fatalf("unauthorized: %d %s", w.Code, body(w))
	}
	if b.State() != baldur.StateClosed {
		t.Fatalf("a refused mutation moved the breaker to %v", b.State())
	}
	for _, c := range []struct {
		action string
		want   baldur.State
	}{{"force-open", baldur.StateForcedOpen}, {"disable", baldur.StateDisabled}, {"close", baldur.StateClosed}} {
		w := post(t, h, "/api/breakers/gateway/"+c.action, "Authorization", "Bearer op")
		if w.Code != http.StatusOK || b.State() != c.want {
			t.Fatalf("%s: %d %s, breaker %v", c.action, w.Code, body(w), b.State())
		}
	}
	for _, c := range []struct{ path, want string }{
		{"/api/breakers/gateway/half-open", "no breaker action"},
		{"/api/breakers/nope/close", `no breaker "nope"`},
	} {
		if w := post(t, h, c.path, "Authorization", "Bearer op"); w.Code != http.StatusNotFound || !strings.Contains(body(w), c.want) {
			t.Errorf("%s: %d %s", c.path, w.Code, body(w))
		}
	}
	log := e.logged()
	for _, want := range []string{"mutation refused: no Authorize configured", "mutation refused: not authorized", "breaker forced open: gateway", "breaker closed: gateway"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// A keyed breaker is named by its key.
func TestKeyedBreakerMutation(t *testing.T) {
	e := newEnv(t)
	e.do(e.keyed, nil, baldur.String("tenant", "acme"))
	h := e.handler(admin.Options{Authorize: operator})
	if w := post(t, h, "/api/breakers/notifier/force-open?key=acme", "Authorization", "Bearer op"); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, body(w))
	}
	if s := e.rt.KeyedBreaker("notifier", "acme").State(); s != baldur.StateForcedOpen {
		t.Fatalf("acme's breaker is %v", s)
	}
	if w := post(t, h, "/api/breakers/notifier/force-open?key=other", "Authorization", "Bearer op"); w.Code != http.StatusNotFound {
		t.Fatalf("a key without a breaker: %d %s", w.Code, body(w))
	}
}

// A mutation a browser sends from another origin is refused before the
// authorizer is asked, whatever cookie or header it carries; the page's
// own origin, a trusted origin and a request without browser headers go
// through.
func TestCrossOriginMutationRefused(t *testing.T) {
	e := newEnv(t)
	e.do(e.charge, nil)
	var asked atomic.Int32
	h := e.handler(admin.Options{
		Authorize:      func(r *http.Request) bool { asked.Add(1); return operator(r) },
		TrustedOrigins: []string{"https://ops.example.com"},
	})
	for name, headers := range map[string][]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site", "cross-site"},
		"Sec-Fetch-Site same-site":  {"Sec-Fetch-Site", "same-site"},
		"Origin of another host":    {"Origin", "https://evil.example"},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://admin.internal/api/breakers/gateway/force-open", nil)
		r.Header.Set("Authorization", "Bearer op")
		r.Header.Set(headers[0], headers[1])
		w := request(t, h, r, nil)
		if w.Code != http.StatusForbidden || !strings.Contains(body(w), "cross-origin") {
			t.Errorf("%s: %d %s", name, w.Code, body(w))
		}
	}
	if n := asked.Load(); n != 0 {
		t.Fatalf("the authorizer was asked %d times about cross-origin requests", n)
	}
	if s := e.rt.Breaker("gateway").State(); s != baldur.StateClosed {
		t.Fatalf("a cross-origin request moved the breaker to %v", s)
	}
	for name, headers := range map[string][]string{
		"same origin":       {"Sec-Fetch-Site", "same-origin"},
		"trusted origin":    {"Origin", "https://ops.example.com"},
		"no browser header": {"X-None", "1"},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://admin.internal/api/breakers/gateway/close", nil)
		r.Header.Set("Authorization", "Bearer op")
		r.Header.Set(headers[0], headers[1])
		if w := request(t, h, r, nil); w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", name, w.Code, body(w))
		}
	}
	if !strings.Contains(e.logged(), "cross-origin mutation refused") {
		t.Error("refused cross-origin requests were not logged")
	}
}

// AuthorizeRead closes the reads; the page and its assets with them.
func TestAuthorizeRead(t *testing.T) {
	e := newEnv(t)
	h := e.handler(admin.Options{AuthorizeRead: operator})
	for _, path := range []string{"/api/breakers", "/api/policies", "/api/dead-letters", "/"} {
		if w := get(t, h, path, nil); w.Code != http.StatusForbidden {
			t.Errorf("GET %s without the token: %d", path, w.Code)
		}
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "Bearer op")
		if w := request(t, h, r, nil); w.Code != http.StatusOK {
			t.Errorf("GET %s with the token: %d", path, w.Code)
		}
	}
}

// api/access tells the page whether to offer its buttons.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	var got struct{ Write bool }
	get(t, e.handler(admin.Options{}), "/api/access", &got)
	if got.Write {
		t.Fatal("write access without an authorizer")
	}
	r := httptest.NewRequest(http.MethodGet, "/api/access", nil)
	r.Header.Set("Authorization", "Bearer op")
	request(t, e.handler(admin.Options{Authorize: operator}), r, &got)
	if !got.Write {
		t.Fatal("no write access for the operator")
	}
}
