package provider_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baldur-go/baldur/examples/payments/provider"
)

func start(t *testing.T) (*provider.Provider, string) {
	t.Helper()
	p := provider.New(100)
	srv, err := provider.Start(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want a loopback address", srv.URL)
	}
	return p, srv.URL
}

func post(ctx context.Context, t *testing.T, url, order string, amount int) int {
	t.Helper()
	body := `{"order_id":"` + order + `","amount":` + strconv.Itoa(amount) + `}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/charges", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestScript(t *testing.T) {
	p, url := start(t)
	ctx := t.Context()
	var got []int
	p.Play(provider.Script{FailNext: 2})
	for range 3 {
		got = append(got, post(ctx, t, url, "a", 5))
	}
	p.Play(provider.Script{Down: true})
	got = append(got, post(ctx, t, url, "b", 5))
	p.Play(provider.Script{})
	got = append(got, post(ctx, t, url, "b", 5), post(ctx, t, url, "c", 500))

	want := []int{503, 503, 200, 503, 200, 402}
	if len(got) != len(want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	for order, n := range map[string]int{"a": 3, "b": 2, "c": 1, "never": 0} {
		if r := p.Requests(order); r != n {
			t.Errorf("Requests(%q) = %d, want %d", order, r, n)
		}
	}
	if n := p.Captured(); n != 2 {
		t.Errorf("Captured = %d, want 2", n)
	}
}

// TestStallEndsWithCaller: a stalled request whose caller gives up charges
// nothing and does not hold the server open.
func TestStallEndsWithCaller(t *testing.T) {
	p, url := start(t)
	p.Play(provider.Script{StallNext: 1, Stall: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if code := post(ctx, t, url, "a", 5); code != 0 {
		t.Fatalf("stalled request answered %d", code)
	}
	if code := post(t.Context(), t, url, "a", 5); code != 200 {
		t.Fatalf("next request answered %d, want 200", code)
	}
	if n := p.Requests("a"); n != 2 {
		t.Errorf("Requests = %d, want 2", n)
	}
}
