package parser

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckConfigNames(t *testing.T) {
	declared := Declared{
		Policies: []string{"payments.gateway.status", "charge"},
		Breakers: []string{"gateway", "payments.gateway.status"},
	}
	data := []byte(`base: &base
  timeout: 1s
policies:
  charge: *base
  chrage: {timeout: 2s}
  payments.gateway.status: {}
  gateway: {}
breakers:
  <<: {}
  gateway: {open_for: 1s}
  gatway: {open_for: 1s}
  payments.gateway.status: {size: 10}
  charge: {size: 10}
mesh:
  chrage: {}
`)
	var got []string
	for _, d := range CheckConfigNames("baldur.yaml", data, declared) {
		got = append(got, d.String())
	}
	want := []string{
		`baldur.yaml:5:3: policies.chrage: no annotation in these packages declares this policy (did you mean "charge"?)`,
		`baldur.yaml:7:3: policies.gateway: no annotation in these packages declares this policy; gateway is a breaker: its settings go under breakers:`,
		`baldur.yaml:11:3: breakers.gatway: no annotation in these packages declares this breaker (did you mean "gateway"?)`,
		`baldur.yaml:13:3: breakers.charge: no annotation in these packages declares this breaker; charge is a policy: its settings go under policies:`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "[1, 2]", "policies: [a]", ":\n\t- x"} {
		if diags := CheckConfigNames("baldur.yaml", []byte(bad), declared); len(diags) != 0 {
			t.Errorf("%q: %v; the runtime reports what is not a mapping of names", bad, diags)
		}
	}
}
