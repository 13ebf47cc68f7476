package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// plan prints each method's layers with where each value came from, in
// text and in JSON, writes nothing, and says what lint --config would
// about the file while still printing the plan.
func TestPlan(t *testing.T) {
	module(t, map[string]string{
		"pay/gateway.go": gateway,
		"baldur.yaml":    "policies:\n  pay.gateway.charge: {timeout: 1s}\n  pay.gateway.chrage: {timeout: 1s}\n",
	})
	code, stdout, stderr := run(t, "plan", "./...")
	if code != ExitOK || stderr != "" || !strings.Contains(stdout, "pay.gateway.charge  example.com/m/pay.Gateway.Charge  (pay/gateway.go:7:2)\n") ||
		!strings.Contains(stdout, "retry.attempts ") || !strings.Contains(stdout, "  timeout       none\n") {
		t.Fatalf("plan: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = run(t, "plan", "--config", "baldur.yaml", "--json", "./...")
	if code != ExitProblems || !strings.Contains(stderr, "policies.pay.gateway.chrage: no annotation") {
		t.Errorf("a misspelt policy: exit %d, stderr %q; want 1 and the lint problem", code, stderr)
	}
	var plan struct {
		Policies []struct {
			Policy string
			Layers []struct {
				Layer    string
				Settings []struct{ Key, Value, From string }
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil || len(plan.Policies) != 1 {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	timeout := plan.Policies[0].Layers[5]
	if timeout.Layer != "timeout" || len(timeout.Settings) != 1 || timeout.Settings[0].Value != "1s" || timeout.Settings[0].From != "policies.pay.gateway.charge" {
		t.Errorf("timeout layer %+v; want 1s from policies.pay.gateway.charge", timeout)
	}
	if code, _, stderr := run(t, "plan", "--config", "baldur.yaml", "./nowhere"); code == ExitOK {
		t.Errorf("a missing package: exit %d, stderr %q", code, stderr)
	}
}

func TestPlanRefusesAFileTheRuntimeWould(t *testing.T) {
	module(t, map[string]string{
		"pay/gateway.go": gateway,
		"baldur.yaml":    "policies:\n  pay.gateway.charge: {retry: {attempts: 0}}\n",
	})
	code, stdout, stderr := run(t, "plan", "--config", "baldur.yaml", "./...")
	if code != ExitProblems || stdout != "" || !strings.Contains(stderr, "baldur.yaml:2:42: policies.pay.gateway.charge.retry.attempts: 0 is out of range") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, no plan, the runtime's error at its line:col", code, stdout, stderr)
	}
}
