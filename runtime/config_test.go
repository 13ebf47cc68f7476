package baldur_test

import (
	"errors"
	"log/slog"
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
    breaker: {enabled: true, size: 7, minimum_calls: 7}
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
		if r.Attempts != tc.attempts || p.Timeout() != tc.timeout || name != tc.breaker {
			t.Errorf("%s: attempts %d, timeout %v, breaker %q; want %d, %v, %q",
				tc.spec.Name, r.Attempts, p.Timeout(), name, tc.attempts, tc.timeout, tc.breaker)
		}
		if r.InitialDelay != 50*time.Millisecond || r.MaxDelay != 5*time.Second {
			t.Errorf("%s: delays %v..%v, want 50ms from the file and 5s built in", tc.spec.Name, r.InitialDelay, r.MaxDelay)
		}
	}
	if got := e.rt.Breaker("added").Config().Size; got != 7 {
		t.Errorf("breaker added: size %d, want 7", got)
	}
}

func TestConfigReportsEveryErrorWithLineAndColumn(t *testing.T) {
	_, err := baldur.ParseConfig("baldur.yaml", []byte(`defaults:
  retry:
    atempts: 3
    initial_delay: 250
policies:
  quote:
    breaker:
      failure_rate: 150
      window: sliding
    timeout: 2s
    timeout: 3s
  Bad Name: {}
  slow:
    retry: {initial_delay: 2s, max_delay: 1s}
mesh: {owns_network_retries: yes please}
`))
	want := []string{
		`baldur.yaml:3:5: unknown key "atempts" in defaults.retry; did you mean "attempts"?`,
		`baldur.yaml:4:20: defaults.retry.initial_delay: "250" is not a duration`,
		`baldur.yaml:8:21: policies.quote.breaker.failure_rate: 150 is out of range (0, 100]`,
		`baldur.yaml:9:15: policies.quote.breaker.window: expected one of "count" or "time", found "sliding"`,
		`baldur.yaml:11:5: policies.quote.timeout is set twice (first at line 10)`,
		`baldur.yaml:12:3: policies: "Bad Name" is not a policy name`,
		`baldur.yaml:14:5: policies.slow: retry.max_delay (1s) is below retry.initial_delay (2s)`,
		`baldur.yaml:15:30: mesh.owns_network_retries: expected true or false`,
	}
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
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

func TestConfigCrossChecksDefaultsWithPolicies(t *testing.T) {
	_, err := baldur.ParseConfig("b.yaml", []byte(`
defaults:
  breaker: {minimum_calls: 50}
policies:
  small:
    breaker: {size: 10}
`))
	if err == nil || !strings.Contains(err.Error(), "b.yaml:6:5: policies.small: breaker.minimum_calls (50) is above breaker.size (10)") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigDefaultsCannotAddBreakersOrSetTheMesh(t *testing.T) {
	_, err := baldur.ParseConfig("b.yaml", []byte(`
defaults:
  breaker: {enabled: true}
  mesh: {owns_network_retries: true}
`))
	if err == nil || strings.Count(err.Error(), "unknown key") != 2 {
		t.Fatalf("err = %v, want enabled and mesh refused in defaults", err)
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
	if got := rt.Policy(baldur.Spec{Name: "quote"}).Retry().Attempts; got != 2 {
		t.Fatalf("attempts %d, want 2 from the file", got)
	}
}

func TestEmptyConfigIsTheBuiltInDefaults(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "defaults:\npolicies:\n"} {
		if _, err := baldur.ParseConfig("b.yaml", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

func TestWithConfigValidates(t *testing.T) {
	zero := 0
	_, err := baldur.New(baldur.WithConfig(&baldur.Config{Defaults: baldur.PolicyConfig{Breaker: baldur.BreakerSettings{Size: &zero}}}))
	if err == nil || !strings.Contains(err.Error(), "breaker.size: 0 is out of range") {
		t.Fatalf("err = %v", err)
	}
}

func TestBreakerSettingsUnderASharingPolicyAreReportedIgnored(t *testing.T) {
	var logs strings.Builder
	rt, err := baldur.New(
		baldur.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		baldur.WithConfigYAML([]byte("policies:\n  charge:\n    breaker: {size: 10, minimum_calls: 10}\n")),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	p := rt.Policy(baldur.Spec{Name: "charge", Breaker: "gateway"})
	if p.Breaker().Config().Size != 100 || !strings.Contains(logs.String(), "set them under the breaker's name") {
		t.Fatalf("size %d, log %q: want the defaults and a warning", p.Breaker().Config().Size, logs.String())
	}
}
