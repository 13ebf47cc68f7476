package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// The provider's server, the breaker's timers and the runtime's must all
// stop with the app.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testConfig is liveConfig with an open period a test need not wait for.
var testConfig = strings.Replace(liveConfig, "open_for: 5s", "open_for: 20ms", 1)

// One loop of the story, then a scrape: the breaker's state and its
// transitions (closed, open, half-open, closed again) are in /metrics in
// Prometheus's format, and the admin API sees the same breaker.
func TestMetricsScrapedAfterTheLoop(t *testing.T) {
	a, err := start(slog.New(slog.DiscardHandler), testConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	if err := a.Play(context.Background(), 0, 1); err != nil {
		t.Fatal(err)
	}

	metrics := fetch(t, srv.URL+"/metrics")
	for _, want := range []string{
		`# TYPE baldur_breaker_state gauge`,
		`baldur_breaker_state{baldur_breaker="gateway",baldur_breaker_state="closed"} 1`,
		`baldur_breaker_state{baldur_breaker="gateway",baldur_breaker_state="open"} 0`,
		`baldur_breaker_transitions_total{baldur_breaker="gateway",baldur_breaker_from="closed",baldur_breaker_to="open"} 1`,
		`baldur_breaker_transitions_total{baldur_breaker="gateway",baldur_breaker_from="open",baldur_breaker_to="half-open"} 1`,
		`baldur_breaker_transitions_total{baldur_breaker="gateway",baldur_breaker_from="half-open",baldur_breaker_to="closed"} 1`,
		`baldur_idempotency_duplicates_total{baldur_policy="charge-customer"} 1`,
	} {
		if !containsLine(metrics, want) {
			t.Errorf("/metrics lacks\n\t%s\nin\n%s", want, grep(metrics, "baldur_"))
		}
	}

	var api struct {
		Breakers []struct{ Name, State string }
	}
	if err := json.Unmarshal([]byte(fetch(t, srv.URL+"/baldur/api/breakers")), &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Breakers) != 1 || api.Breakers[0].Name != "gateway" || api.Breakers[0].State != "closed" {
		t.Fatalf("admin API breakers %+v", api.Breakers)
	}
	if page := fetch(t, srv.URL+"/"); !strings.Contains(page, `<title>Baldur</title>`) {
		t.Fatalf("/ does not lead to the dashboard:\n%s", page)
	}
}

// The command refuses to serve beyond loopback.
func TestLoopbackOnly(t *testing.T) {
	var stderr strings.Builder
	if code := run(context.Background(), []string{"-addr", "0.0.0.0:8080"}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "loopback") {
		t.Fatalf("exit %d, %q", code, stderr.String())
	}
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// scopeLabels are the exporter's labels for the instrumentation scope,
// the same on every sample.
var scopeLabels = regexp.MustCompile(`,?otel_scope_[a-z_]+="[^"]*"`)

// containsLine reports whether text has line, the scope labels aside.
func containsLine(text, line string) bool {
	for l := range strings.Lines(text) {
		if scopeLabels.ReplaceAllString(strings.TrimSuffix(l, "\n"), "") == line {
			return true
		}
	}
	return false
}

func grep(text, prefix string) string {
	var out []string
	re := regexp.MustCompile(`^(# \w+ )?` + regexp.QuoteMeta(prefix))
	for l := range strings.Lines(text) {
		if re.MatchString(l) {
			out = append(out, strings.TrimSuffix(l, "\n"))
		}
	}
	return strings.Join(out, "\n")
}
