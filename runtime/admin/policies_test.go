package admin_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/baldur-go/baldur/runtime/admin"
)

type setting struct{ Key, Value, From string }

type policy struct {
	Name            string
	Method          string
	Layers          []string
	Breaker         string
	BreakerKey      string    `json:"breaker_key"`
	Settings        []setting `json:"settings"`
	BreakerSettings []setting `json:"breaker_settings"`
	Overrides       []struct {
		When     map[string]string
		Settings []setting
	}
}

func find(ss []setting, key string) setting {
	for _, s := range ss {
		if s.Key == key {
			return s
		}
	}
	return setting{}
}

// Each policy's layers and effective settings, each with the level it
// came from; its breaker's apart; its overrides resolved.
func TestPoliciesExplained(t *testing.T) {
	e := newEnv(t)
	var out struct{ Policies []policy }
	if w := get(t, e.handler(admin.Options{}), "/api/policies", &out); w.Code != http.StatusOK {
		t.Fatalf("%d", w.Code)
	}
	var names []string
	for _, p := range out.Policies {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"charge", "notify", "refund"}) {
		t.Fatalf("policies %v", names)
	}
	c := out.Policies[0]
	if c.Method != "shop.Gateway.Charge" || !slices.Equal(c.Layers, []string{"retry", "breaker"}) || c.Breaker != "gateway" {
		t.Fatalf("charge %+v", c)
	}
	for key, want := range map[string]setting{
		"retry.attempts":      {"retry.attempts", "3", "policies.charge"},
		"retry.initial_delay": {"retry.initial_delay", "0s", "defaults"},
		"retry.backoff":       {"retry.backoff", "exponential", "built-in"},
		"timeout":             {"timeout", "0s", "built-in"},
	} {
		if got := find(c.Settings, key); got != want {
			t.Errorf("%s: %+v, want %+v", key, got, want)
		}
	}
	if got := find(c.Settings, "breaker.size"); got.Key != "" {
		t.Errorf("the policy lists its breaker's tuning: %+v", got)
	}
	if got := find(c.BreakerSettings, "size"); got != (setting{"size", "4", "breakers.gateway"}) {
		t.Errorf("breaker size: %+v", got)
	}
	if len(c.Overrides) != 1 || c.Overrides[0].When["tier"] != "gold" ||
		len(c.Overrides[0].Settings) != 1 || c.Overrides[0].Settings[0] != (setting{"timeout", "2s", "policies.charge.overrides[0]"}) {
		t.Errorf("overrides %+v, want the timeout it changes alone", c.Overrides)
	}
	if n := out.Policies[1]; n.BreakerKey != "tenant" || n.Breaker != "notifier" {
		t.Errorf("notify %+v", n)
	}
	if r := out.Policies[2]; !slices.Equal(r.Layers, []string{"dead-letter"}) {
		t.Errorf("refund layers %v", r.Layers)
	}
}
