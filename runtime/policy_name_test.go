package baldur_test

import (
	"fmt"
	"strings"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Two methods never share a policy name: they would share idempotency
// records (one's stored result answering the other's calls), a breaker and
// a retry budget. The second is refused, naming both.
func TestOnePolicyNameOneMethod(t *testing.T) {
	e := newEnv(t, "")
	users := e.rt.Policy(baldur.Spec{Name: "client.get", Method: "users.Client.Get", Dedupe: true, Breaker: "client.get"})
	again := e.rt.Policy(baldur.Spec{Name: "client.get", Method: "users.Client.Get", Dedupe: true, Breaker: "client.get"})
	if users.Breaker() != again.Breaker() {
		t.Fatal("the same method built twice got two breakers")
	}
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		e.rt.Policy(baldur.Spec{Name: "client.get", Method: "orders.Client.Get", Dedupe: true, Breaker: "client.get"})
		return ""
	}()
	if !strings.Contains(msg, `policy name "client.get" is used by users.Client.Get and by orders.Client.Get`) {
		t.Fatalf("second method under one name: %q", msg)
	}
}

// Naming a breaker shares it on purpose: that keeps working.
func TestNamedBreakerIsShared(t *testing.T) {
	e := newEnv(t, "")
	a := e.rt.Policy(baldur.Spec{Name: "users.client.get", Method: "users.Client.Get", Breaker: "db"})
	b := e.rt.Policy(baldur.Spec{Name: "orders.client.get", Method: "orders.Client.Get", Breaker: "db"})
	if a.Breaker() == nil || a.Breaker() != b.Breaker() {
		t.Fatal("breaker=db is not shared")
	}
}
