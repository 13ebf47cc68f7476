package main

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baldur-go/baldur/examples/payments"
)

var update = flag.Bool("update", false, "rewrite testdata/account.golden")

// TestDemo runs the command as make demo does and compares its account
// with the golden one: the output must not depend on ports or timing.
func TestDemo(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr not empty:\n%s", &stderr)
	}
	golden := filepath.Join("testdata", "account.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != string(want) {
		t.Errorf("account differs from %s (go test -update rewrites it)\ngot:\n%s", golden, got)
	}
}

// TestAccount pins the numbers the story is about.
func TestAccount(t *testing.T) {
	t.Parallel()
	acct, err := play(t.Context(), scenario, slog.New(slog.DiscardHandler), func(phaseResult) {})
	if err != nil {
		t.Fatal(err)
	}
	if bad := check(acct); len(bad) > 0 {
		t.Errorf("broken promises:\n%s", strings.Join(bad, "\n"))
	}
	tot := acct.totals()
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"orders", tot.Orders, 18},
		{"captured", tot.Verdicts[captured], 10},
		{"declined", tot.Verdicts[declined], 2},
		{"queued", tot.Verdicts[queued], 4},
		{"failed", tot.Verdicts[failed], 0},
		{"duplicates", tot.Verdicts[duplicate], 2},
		{"duplicates answered by the store", tot.Events.Duplicates, 2},
		{"provider requests", tot.Requests, 19},
		{"retries", tot.Events.Retries, 7},
		{"timeouts", tot.Events.Timeouts, 1},
		{"rejected", tot.Events.Rejected, 4},
		{"fallbacks", tot.Events.Fallbacks, 4},
		{"charges taken", acct.Captured, 14},
		{"replayed", len(acct.Replayed), 4},
		{"left in the queue", acct.Left, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	// The outage's first order trips the breaker; the recovery's second
	// probe closes it.
	for id, want := range map[string]string{"ord-10": "closed → open", "ord-15": "half-open → closed"} {
		for _, r := range acct.results() {
			if r.Order.ID == id && path(r.Transitions) != want {
				t.Errorf("%s: breaker %s, want %s", id, path(r.Transitions), want)
			}
		}
	}
}

// TestCheckCatchesBrokenPromises: the demo fails loudly when the runtime
// misbehaves, rather than printing a wrong story with exit 0.
func TestCheckCatchesBrokenPromises(t *testing.T) {
	retriedDecline := &account{Phases: []phaseResult{{Orders: []result{{
		Order:    order{"ord-x", 900_00, std},
		Err:      payments.ErrDeclined,
		Requests: 2,
		Events:   counts{Retries: 1},
	}}}}}
	bad := strings.Join(check(retriedDecline), "\n")
	for _, want := range []string{
		"ord-x: a declined card must pass through untouched",
		"breaker went no transition",
		"no attempt timed out",
		"no duplicate was suppressed",
	} {
		if !strings.Contains(bad, want) {
			t.Errorf("check missed %q; reported:\n%s", want, bad)
		}
	}
}

// TestHeaderQuotesAnnotation keeps the header honest about gateway.go.
func TestHeaderQuotesAnnotation(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "gateway.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\t"+strings.ReplaceAll(chargeAnnotation, "\n    ", "\n\t")+"\n") {
		t.Errorf("gateway.go no longer carries %q", chargeAnnotation)
	}
}
