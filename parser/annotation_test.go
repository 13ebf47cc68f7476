package parser

import (
	"strings"
	"testing"
	"time"
)

func annotate(t *testing.T, text string, onMethod bool) (*annotation, Diagnostics) {
	t.Helper()
	d, diags := parseDirective(text, at)
	if len(diags) > 0 {
		t.Fatalf("directive %q: %v", text, diags)
	}
	return parseAnnotation(d, onMethod)
}

func TestAnnotationValues(t *testing.T) {
	a, diags := annotate(t, `//baldur:protected name=pay.charge_v2 retry=5 breaker=shared timeout=1m30s fallback=pkg.Fb retry_on="ErrA, io.EOF" abort_on=ErrB ignore=ErrC`, true)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if a.Name.V != "pay.charge_v2" || a.Retry.V != 5 || a.Breaker.V != "shared" || a.Timeout.V != 90*time.Second {
		t.Errorf("values: name %q retry %d breaker %q timeout %v", a.Name.V, a.Retry.V, a.Breaker.V, a.Timeout.V)
	}
	if a.Fallback.V.String() != "pkg.Fb" {
		t.Errorf("fallback %v", a.Fallback.V)
	}
	on := a.RetryOn.V
	if len(on) != 2 || on[0].String() != "ErrA" || on[1].String() != "io.EOF" {
		t.Fatalf("retry_on %v", on)
	}
	// Positions of list elements point into the quoted value.
	if on[0].Pos.Column != at.Column+101 || on[1].Pos.Column != at.Column+107 {
		t.Errorf("retry_on columns %d, %d", on[0].Pos.Column-at.Column, on[1].Pos.Column-at.Column)
	}
}

func TestAnnotationBareAndOff(t *testing.T) {
	a, _ := annotate(t, "//baldur:protected retry breaker", true)
	if a.Retry.V != RetryDefault || a.Breaker.V != "" {
		t.Errorf("bare: retry %d breaker %q", a.Retry.V, a.Breaker.V)
	}
	a, _ = annotate(t, "//baldur:protected retry=off", true)
	if a.Retry.V != 0 {
		t.Errorf("off: retry %d", a.Retry.V)
	}
}

func TestAnnotationErrors(t *testing.T) {
	tests := []struct{ text, msg string }{
		{"//baldur:protected retry=three", `retry="three" is not valid`},
		{"//baldur:protected retry=0", `retry="0" is not valid`},
		{"//baldur:protected retry=101", `retry="101" is not valid`},
		{"//baldur:protected timeout=5", `timeout "5" is not a Go duration`},
		{"//baldur:protected timeout=-1s", "out of range"},
		{"//baldur:protected timeout", `key "timeout" needs a value`},
		{"//baldur:protected name=Upper", `name "Upper" is not a valid name`},
		{"//baldur:protected name=" + strings.Repeat("a", 101), "is not a valid name"},
		{"//baldur:protected breaker=-x", `breaker "-x" is not a valid name`},
		{"//baldur:protected fallback=a.b.c", `fallback "a.b.c" is not valid`},
		{"//baldur:protected fallback=_", `fallback "_" is not valid`},
		{"//baldur:protected retry_on=A,", `retry_on "A," is not valid`},
		{"//baldur:protected retyr", `unknown key "retyr" (did you mean "retry"?); valid keys: abort_on, breaker, breaker_key, classify, context, dlq, fallback, fingerprint, idempotency_key, idempotency_ttl, idempotent, ignore, name, retry, retry_on, sensitive, timeout`},
		{"//baldur:protected compensate=Refund", `key "compensate" is not supported yet`},
		{"//baldur:protected dlq=yes", `key "dlq" takes no value`},
		{"//baldur:protected context=req..Tier", `context "req..Tier" is not valid`},
		{"//baldur:protected context=Tier:req.Tier", `field name "Tier" is not valid`},
		{"//baldur:protected breaker_key=a,b", `breaker_key "a,b" names several values`},
		{"//baldur:protected sensitive=card-number", `sensitive "card-number" is not valid`},
		{"//baldur:protected idempotency_key=a..b", `idempotency_key "a..b" is not valid`},
		{"//baldur:protected idempotency_key=req.Key(x)", `idempotency_key "req.Key(x)" is not valid`},
		{"//baldur:protected idempotency_ttl=0s", "idempotency_ttl 0s is out of range"},
		{"//baldur:protected idempotent=yes", `key "idempotent" takes no value`},
		{"//baldur:protected retry retry", `duplicate key "retry" (first at 3:21)`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, diags := annotate(t, tt.text, true)
			if len(diags) != 1 || !strings.Contains(diags[0].Msg, tt.msg) {
				t.Errorf("got %v, want one containing %q", diags, tt.msg)
			}
		})
	}
}

func TestKeyPath(t *testing.T) {
	a, diags := annotate(t, "//baldur:protected idempotency_key=req.Order.Key() idempotency_ttl=36h", true)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	k := a.IdempotencyKey.V
	if strings.Join(k.Elems, ".") != "req.Order.Key" || !k.Call || a.IdempotencyTTL.V != 36*time.Hour {
		t.Errorf("got %+v, ttl %v", k, a.IdempotencyTTL.V)
	}
}

func TestInterfaceLevelKeys(t *testing.T) {
	_, diags := annotate(t, "//baldur:protected name=x fallback=f retry", false)
	if len(diags) != 2 {
		t.Fatalf("got %v, want name and fallback rejected", diags)
	}
}

func TestMerge(t *testing.T) {
	d, _ := annotate(t, "//baldur:protected retry=2 breaker timeout=1s", false)
	m, _ := annotate(t, "//baldur:protected retry=off name=x", true)
	got := merge(d, m)
	if got.Retry.V != 0 || got.Breaker == nil || got.Timeout.V != time.Second || got.Name.V != "x" {
		t.Errorf("merge: %+v", got)
	}
	if only := merge(d, nil); only == d || only.Retry.V != 2 {
		t.Errorf("defaults alone must be copied: %+v", only)
	}
}

func TestDefaultPolicyName(t *testing.T) {
	for in, want := range map[string]string{
		"payments.PaymentGateway.Charge": "payments.payment-gateway.charge",
		"users.HTTPClient.GetURL":        "users.http-client.get-url",
		"x.store.load":                   "x.store.load",
		"v2.V2Api.Get2FA":                "v2.v2-api.get2-fa",
		"MyPkg.ID.ID":                    "mypkg.id.id",
	} {
		parts := strings.Split(in, ".")
		if got := defaultPolicyName(parts[0], parts[1], parts[2]); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

func TestNearest(t *testing.T) {
	for in, want := range map[string]string{"retyr": "retry", "breakr": "breaker", "timeuot": "timeout", "fallbak": "fallback"} {
		if got, ok := nearest(in, validKeys); !ok || got != want {
			t.Errorf("nearest(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, ok := nearest("zzzzzz", validKeys); ok {
		t.Errorf("nearest(zzzzzz) = %q; want no suggestion", got)
	}
}

func TestAnnotationFieldPaths(t *testing.T) {
	a, diags := annotate(t, `//baldur:protected context="req.Customer.Tier, segment:req.Seg" sensitive=card breaker_key=req.Tenant.ID classify=pkg.Classify dlq`, true)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	ctx := a.Context.V
	if len(ctx) != 2 || ctx[0].Text != "req.Customer.Tier" || ctx[0].Name != "" || ctx[1].Name != "segment" || ctx[1].Text != "req.Seg" {
		t.Fatalf("context %+v", ctx)
	}
	// The path of a named entry starts after its name.
	if got := ctx[0].Pos.Column - at.Column; got != 28 {
		t.Errorf("context[0] at column +%d, want +28", got)
	}
	if got, name := ctx[1].Pos.Column-at.Column, ctx[1].NamePos.Column-at.Column; got != 55 || name != 47 {
		t.Errorf("context[1] path at +%d, name at +%d; want +55, +47", got, name)
	}
	if a.Sensitive.V[0].Text != "card" || a.BreakerKey.V.Text != "req.Tenant.ID" || a.Classify.V.String() != "pkg.Classify" || a.DLQ == nil {
		t.Errorf("sensitive %+v breaker_key %+v classify %v dlq %v", a.Sensitive.V, a.BreakerKey.V, a.Classify.V, a.DLQ)
	}
	if _, diags := annotate(t, "//baldur:protected context=req.Tier", false); len(diags) == 0 || !strings.Contains(diags[0].Msg, `key "context" applies to one method`) {
		t.Errorf("context on an interface: %v", diags)
	}
	if _, diags := annotate(t, "//baldur:protected classify=decide dlq", false); len(diags) > 0 {
		t.Errorf("classify and dlq on an interface: %v", diags)
	}
}
