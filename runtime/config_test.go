package baldur_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Precedence: built-in < file defaults < annotation < file policy.
func TestConfigPrecedence(t *testing.T) {
	e := newEnv(t, `
defaults:
  timeout: 1s
  retry: {attempts: 4, initial_delay: 50ms}
policies:
  pinned:
    timeout: 3s
    retry: {attempts: 2}
  off:
    breaker: {enabled: false}
  added:
    breaker: {enabled: true}
breakers:
  added: {size: 7, minimum_calls: 7}
`)
	for _, tc := range []struct {
		spec     baldur.Spec
		attempts int
		timeout  time.Duration
		breaker  string
	}{
		{baldur.Spec{Name: "plain", Retry: true}, 4, time.Second, ""},                                                // file defaults
		{baldur.Spec{Name: "annotated", Retry: true, Attempts: 5, Timeout: 2 * time.Second}, 5, 2 * time.Second, ""}, // annotation
		{baldur.Spec{Name: "pinned", Retry: true, Attempts: 5, Timeout: 2 * time.Second}, 2, 3 * time.Second, ""},    // file policy
		{baldur.Spec{Name: "noretry"}, 1, time.Second, ""},
		{baldur.Spec{Name: "off", Breaker: "off"}, 1, time.Second, ""},
		{baldur.Spec{Name: "added"}, 1, time.Second, "added"},
	} {
		p := e.policy(tc.spec)
		r := p.Retry()
		name := ""
		if p.Breaker() != nil {
			name = p.Breaker().Name()
		}
		if r.Attempts.Value() != tc.attempts || p.Timeout() != tc.timeout || name != tc.breaker {
			t.Errorf("%s: attempts %d, timeout %v, breaker %q; want %d, %v, %q",
				tc.spec.Name, r.Attempts.Value(), p.Timeout(), name, tc.attempts, tc.timeout, tc.breaker)
		}
		if r.InitialDelay.Value() != 50*time.Millisecond || r.MaxDelay.Value() != 5*time.Second {
			t.Errorf("%s: delays %v..%v, want 50ms from the file and 5s built in", tc.spec.Name, r.InitialDelay.Value(), r.MaxDelay.Value())
		}
	}
	if got := e.rt.Breaker("added").Config().Size.Value(); got != 7 {
		t.Errorf("breaker added: size %d, want 7", got)
	}
}

func TestConfigReportsEveryErrorWithLineAndColumn(t *testing.T) {
	_, err := baldur.ParseConfig("baldur.yaml", []byte(`defaults:
  retry:
    atempts: 3
    initial_delay: 250
breakers:
  quote:
    failure_rate: 150
    window: sliding
policies:
  quote:
    timeout: 2s
    timeout: 3s
  Bad Name: {}
  slow:
    retry: {initial_delay: 2s, max_delay: 1s}
mesh: {owns_network_retries: yes please}
`))
	want := []string{
		`baldur.yaml:3:5: unknown key "atempts" in defaults.retry; did you mean "attempts"?`,
		`baldur.yaml:4:20: defaults.retry.initial_delay: expected a duration such as "250ms" or "2s", found "250"`,
		`baldur.yaml:7:19: breakers.quote.failure_rate: 150 is out of range (0, 100]`,
		`baldur.yaml:8:13: breakers.quote.window: expected one of "count" or "time", found "sliding"`,
		`baldur.yaml:12:5: policies.quote.timeout is set twice (first at line 11)`,
		`baldur.yaml:13:3: policies: "Bad Name" is not a name`,
		`baldur.yaml:15:12: policies.slow.retry: max_delay (1s) is below initial_delay (2s)`,
		`baldur.yaml:16:30: mesh.owns_network_retries: expected true or false, found "yes please"`,
	}
	lines := errorLines(t, err)
	if len(lines) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, lines[i], w)
		}
	}
	var ce *baldur.ConfigError
	if !errors.As(err, &ce) || ce.Line != 3 || ce.Column != 5 {
		t.Errorf("errors.As(*ConfigError) = %+v", ce)
	}
}

func errorLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	return strings.Split(err.Error(), "\n")
}

func TestConfigCrossChecksDefaultsWithBreakers(t *testing.T) {
	_, err := baldur.ParseConfig("b.yaml", []byte(`
defaults:
  breaker: {minimum_calls: 50}
breakers:
  small: {size: 10}
`))
	if err == nil || !strings.Contains(err.Error(), "b.yaml:5:10: breakers.small: minimum_calls (50) is above size (10): the breaker could never open") {
		t.Fatalf("err = %v", err)
	}
}

// Keys that belong to one kind of section are refused in the others, with
// where they belong.
func TestConfigKeysOutOfPlace(t *testing.T) {
	_, err := baldur.ParseConfig("b.yaml", []byte(`
defaults:
  breaker: {enabled: true}
  mesh: {owns_network_retries: true}
policies:
  charge:
    breaker: {size: 10}
    idempotency: {namespace: shop}
breakers:
  gateway: {enabled: false}
`))
	for _, w := range []string{
		"b.yaml:3:13: defaults.breaker.enabled can be set only in policies.<name>",
		"b.yaml:4:3: defaults.mesh can be set only in policies.<name>",
		"b.yaml:7:15: policies.charge.breaker.size can be set only in defaults and breakers.<name>",
		"b.yaml:8:19: policies.charge.idempotency.namespace can be set only in defaults",
		"b.yaml:10:13: breakers.gateway.enabled can be set only in policies.<name>",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("want %q in:\n%v", w, err)
		}
	}
}

func TestWithConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baldur.yaml")
	if err := os.WriteFile(path, []byte("policies:\n  quote:\n    retry: {attempts: 0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := baldur.New(baldur.WithConfigFile(path))
	if err == nil || !strings.HasPrefix(err.Error(), path+":3:23: policies.quote.retry.attempts: 0 is out of range [1, 100]") {
		t.Fatalf("err = %v", err)
	}
	if _, err := baldur.New(baldur.WithConfigFile(filepath.Join(t.TempDir(), "missing.yaml"))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("policies:\n  quote:\n    retry: {attempts: 2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rt, err := baldur.New(baldur.WithConfigFile(path))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if got := rt.Policy(baldur.Spec{Name: "quote"}).Retry().Attempts.Value(); got != 2 {
		t.Fatalf("attempts %d, want 2 from the file", got)
	}
}

func TestEmptyConfigIsTheBuiltInDefaults(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "defaults:\npolicies:\n", "---\n"} {
		if _, err := baldur.ParseConfig("b.yaml", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// The same mistake gets the same message from Go as from YAML: there is one
// set of checks. A negative lease used to pass WithConfig and then panic
// in the first generated constructor.
func TestWithConfigChecksWhatTheFileGets(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		cfg  baldur.Config
		msg  string
	}{
		{"defaults:\n  idempotency: {lease: -1s}\n",
			baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: baldur.IdempotencyConfig{Lease: baldur.Set(-time.Second)}}},
			"defaults.idempotency.lease: -1s is out of range [1s, 24h]"},
		{"defaults:\n  breaker: {size: 0}\n",
			baldur.Config{Defaults: baldur.PolicyConfig{Breaker: baldur.BreakerConfig{Size: baldur.Set(0)}}},
			"defaults.breaker.size: 0 is out of range [1, 1048576]"},
		{"policies:\n  p:\n    retry: {initial_delay: 2s, max_delay: 1s}\n",
			baldur.Config{Policies: map[string]baldur.PolicyConfig{"p": {Retry: baldur.RetryConfig{InitialDelay: baldur.Set(2 * time.Second), MaxDelay: baldur.Set(time.Second)}}}},
			"policies.p.retry: max_delay (1s) is below initial_delay (2s)"},
		{"policies:\n  p:\n    breaker: {size: 10}\n",
			baldur.Config{Policies: map[string]baldur.PolicyConfig{"p": {Breaker: baldur.BreakerConfig{Size: baldur.Set(10)}}}},
			"policies.p.breaker.size can be set only in defaults and breakers.<name>"},
		{"defaults:\n  idempotency: {in_flight: 48h}\n",
			baldur.Config{Defaults: baldur.PolicyConfig{Idempotency: baldur.IdempotencyConfig{InFlight: baldur.Set(baldur.InFlightWaitAtMost(48 * time.Hour))}}},
			"defaults.idempotency.in_flight: a wait of 48h0m0s is out of range (0s, 24h]"},
		{"breakers:\n  b: {window: time, span: 10ms, buckets: 1000}\n",
			baldur.Config{Breakers: map[string]baldur.BreakerConfig{"b": {Window: baldur.Set(baldur.TimeWindow), Span: baldur.Set(10 * time.Millisecond), Buckets: baldur.Set(1000)}}},
			"breakers.b: span (10ms) cut into 1000 buckets is below 1ms a bucket"},
	} {
		_, fileErr := baldur.ParseConfig("b.yaml", []byte(tc.yaml))
		_, goErr := baldur.New(baldur.WithConfig(&tc.cfg))
		if fileErr == nil || !strings.HasSuffix(fileErr.Error(), ": "+tc.msg) {
			t.Errorf("YAML %q: %v; want %q", tc.yaml, fileErr, tc.msg)
		}
		if goErr == nil || goErr.Error() != "baldur: config: "+tc.msg {
			t.Errorf("Go %+v: %v; want %q", tc.cfg, goErr, tc.msg)
		}
	}
}

// What YAML would read silently, or refuse without a position, is refused
// with file:line:col.
func TestConfigRefusesWhatWouldBeIgnored(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"second document", "defaults: {timeout: 1s}\n---\ndefaults: {timeout: 2s}\n", "b.yaml:3:1: a second YAML document"},
		{"alias as key", "defaults:\n  idempotency: {namespace: &k timeout}\npolicies:\n  p: {*k : 1s}\n", "b.yaml:4:7: policies.p: an alias (*k) cannot be a key"},
		{"merge key", "defaults: &b {timeout: 1s}\npolicies:\n  p:\n    <<: *b\n", "b.yaml:4:5: policies.p: merge keys (<<) are not supported"},
		{"control character", "defaults:\n  timeout: \"1s\x01\"\n", "b.yaml:2:15: control character U+0001 is not allowed in YAML"},
		{"syntax", "defaults:\n  timeout: 1s\n policies: [\n", "b.yaml:2:1: did not find expected key"},
		{"depth", "defaults: " + strings.Repeat("[", 100000) + "\n", "b.yaml:1:75: collections nested more than 64 deep"},
		{"invalid UTF-8", "defaults: {timeout: \xff}\n", "b.yaml:1:21: invalid UTF-8"},
	} {
		_, err := baldur.ParseConfig("b.yaml", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q...", tc.name, err, tc.want)
		}
	}
}

// A file with thousands of problems gives the first 50 and a count.
func TestConfigErrorsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("policies:\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "  p%d: {retry: {attempts: 0}}\n", i)
	}
	_, err := baldur.ParseConfig("b.yaml", []byte(b.String()))
	lines := errorLines(t, err)
	if len(lines) != 51 || lines[50] != "baldur: config: and 4950 more problems" || !strings.HasPrefix(lines[0], "b.yaml:2:") {
		t.Fatalf("%d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// Two configuration options would leave one unread: refused.
func TestOneConfigurationOption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baldur.yaml")
	if err := os.WriteFile(path, []byte("defaults: {timeout: 1s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := baldur.New(baldur.WithConfigFile(path), baldur.WithConfigYAML([]byte("defaults: {timeout: 2s}\n")))
	if err == nil || !strings.Contains(err.Error(), "WithConfigYAML: the configuration was already given by WithConfigFile") {
		t.Fatalf("err = %v", err)
	}
}

// WithConfig keeps its own copy: changing the caller's Config afterwards
// changes nothing.
func TestWithConfigCopies(t *testing.T) {
	c := &baldur.Config{Policies: map[string]baldur.PolicyConfig{"p": {Timeout: baldur.Set(time.Second)}}}
	rt, err := baldur.New(baldur.WithConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c.Policies["p"] = baldur.PolicyConfig{Timeout: baldur.Set(time.Hour)}
	if got := rt.Policy(baldur.Spec{Name: "p"}).Timeout(); got != time.Second {
		t.Fatalf("timeout %v, want the 1s given to WithConfig", got)
	}
}

// The copy is deep: an override's when, the override list and the metrics
// fields are the runtime's own too.
func TestWithConfigCopiesDeep(t *testing.T) {
	c := &baldur.Config{
		Policies: map[string]baldur.PolicyConfig{"p": {Overrides: []baldur.Override{{
			When:         map[string]string{"tier": "critical"},
			PolicyConfig: baldur.PolicyConfig{Timeout: baldur.Set(time.Second)},
		}}}},
		Metrics: baldur.MetricsConfig{Fields: []baldur.Opt[string]{baldur.Set("tier")}},
	}
	rt, err := baldur.New(baldur.WithConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c.Policies["p"].Overrides[0].When["tier"] = "gold"
	c.Policies["p"].Overrides[0].Timeout = baldur.Set(time.Hour)
	c.Metrics.Fields[0] = baldur.Set("order_id")
	p := rt.Policy(baldur.Spec{Name: "p", Fields: []string{"tier"}})
	x := p.Explain()
	if len(x.Overrides) != 1 || x.Overrides[0].When["tier"] != "critical" || x.Overrides[0].Policy.Timeout.Value() != time.Second {
		t.Errorf("override %+v, want the one given to WithConfig: when tier=critical, timeout 1s", x.Overrides)
	}
	if got := rt.MetricsFields(); len(got) != 1 || got[0] != "tier" {
		t.Errorf("metrics fields %v, want [tier] as given to WithConfig", got)
	}
}

// Policy.Config says where each setting came from.
func TestPolicyConfigSources(t *testing.T) {
	e := newEnv(t, "defaults:\n  retry: {initial_delay: 1s}\npolicies:\n  p:\n    timeout: 3s\n")
	p := e.policy(baldur.Spec{Name: "p", Retry: true, Attempts: 4, Timeout: time.Second})
	for key, want := range map[string]string{
		"retry.initial_delay": baldur.FromDefaults,
		"retry.attempts":      baldur.FromAnnotation,
		"timeout":             "policies.p",
		"retry.max_delay":     baldur.FromDefault,
	} {
		if got := p.Source(key); got != want {
			t.Errorf("%s from %q, want %q", key, got, want)
		}
	}
}

// CheckConfig names the sections nothing built reads: a typo in a policy
// name otherwise leaves the real policy on its defaults in silence.
func TestCheckConfigFindsUnreadSections(t *testing.T) {
	e := newEnv(t, `
policies:
  charge-customer: {timeout: 1s}
  chrage-customer: {timeout: 2s}
breakers:
  gateway: {size: 10, minimum_calls: 5}
  gatway: {size: 10, minimum_calls: 5}
`)
	e.policy(baldur.Spec{Name: "charge-customer", Breaker: "gateway"})
	err := e.rt.CheckConfig()
	for _, w := range []string{
		`baldur.yaml:4:3: policies.chrage-customer: no policy of this name was built; did you mean "charge-customer"?`,
		`baldur.yaml:7:3: breakers.gatway: no breaker of this name was built; did you mean "gateway"?`,
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("want %q in:\n%v", w, err)
		}
	}
	if lines := errorLines(t, err); len(lines) != 2 {
		t.Errorf("%d problems, want 2:\n%v", len(lines), err)
	}
	e.policy(baldur.Spec{Name: "chrage-customer", Breaker: "gatway"})
	if err := e.rt.CheckConfig(); err != nil {
		t.Errorf("every section read: %v", err)
	}
}
