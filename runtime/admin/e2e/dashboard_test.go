package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/admin"
)

var update = flag.Bool("update", false, "write the screenshot to docs/images/dashboard.png")

// screenshot is the picture docs/operability.md shows.
const screenshot = "../../../docs/images/dashboard.png"

var errDown = errors.New("payment provider: 503 Service Unavailable")

const config = `defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  payments: {size: 10, minimum_calls: 3, failure_rate: 50, open_for: 1m}
  notifier: {size: 20, minimum_calls: 5}
policies:
  charge:
    timeout: 800ms
    overrides:
      - when: {tier: gold}
        timeout: 2s
`

// shop is a runtime with what an operator looks at: a breaker the test
// trips, keyed breakers, and letters waiting.
type shop struct {
	rt     *baldur.Runtime
	charge *baldur.Policy
}

func newShop(t *testing.T) *shop {
	t.Helper()
	rt, err := baldur.New(baldur.WithConfigYAML([]byte(config)), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	s := &shop{rt: rt}
	s.charge = rt.Policy(baldur.Spec{Name: "charge", Method: "shop/payments.Gateway.Charge", Retry: true, Attempts: 3, Breaker: "payments", Dedupe: true, Fields: []string{"tier"}})
	notify := rt.Policy(baldur.Spec{Name: "notify", Method: "shop/mail.Notifier.Send", Breaker: "notifier", BreakerKey: "tenant"})
	refund := rt.Policy(baldur.Spec{Name: "refund", Method: "shop/payments.Gateway.Refund", Retry: true,
		DeadLetter: &baldur.DeadLetterSpec{Replay: func(context.Context, []byte) error { return errDown }}})
	for _, tenant := range []string{"acme", "globex"} {
		call(notify, nil, baldur.String("tenant", tenant))
	}
	rt.KeyedBreaker("notifier", "globex").Disable()
	for _, order := range []string{"ord-1041", "ord-1042"} {
		pc := refund.Call(baldur.String("order_id", order))
		ctx := refund.Begin(context.Background(), &pc)
		err := refund.Do(ctx, &pc, func(context.Context) error { return errDown })
		refund.End(ctx, &pc, refund.Capture(ctx, &pc, json.RawMessage(`{"order":"`+order+`"}`), err))
	}
	call(s.charge, nil)
	return s
}

// call makes one protected call in the generated shape.
func call(p *baldur.Policy, err error, fields ...baldur.Field) error {
	pc := p.Call(fields...)
	ctx := p.Begin(context.Background(), &pc)
	return p.End(ctx, &pc, p.Do(ctx, &pc, func(context.Context) error { return err }))
}

// The dashboard, live in Chromium: read-only without the operator's
// cookie; with it, a breaker the test trips turns open on the page
// without a reload, and the page's Close button closes it.
func TestDashboardInChromium(t *testing.T) {
	chromium := testenv.Program(t, "chromium", "the dashboard's browser tests (apt-get install chromium)")
	s := newShop(t)
	mux := http.NewServeMux()
	mux.Handle("/baldur/", http.StripPrefix("/baldur", admin.Handler(s.rt, admin.Options{
		Refresh: 200 * time.Millisecond,
		Logger:  slog.New(slog.DiscardHandler),
		Authorize: func(r *http.Request) bool {
			c, err := r.Cookie("baldur_operator")
			return err == nil && c.Value == "let-me-in"
		},
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := browser(t, chromium)
	page := srv.URL + "/baldur/"
	row := `tr[data-breaker="payments"]`
	visible := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitVisible(chromedp.CSS(sel)) }

	// Without the cookie the page reads but offers no action.
	do(t, ctx, "read-only page",
		chromedp.Navigate(page),
		visible(row+`[data-state="closed"]`),
		visible(`#access[data-write="false"]`),
		visible(row+` button[data-action="close"][disabled]`))

	httpOnly := true
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "baldur_operator", Value: "let-me-in", URL: page, HTTPOnly: &httpOnly}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "operator page",
		chromedp.Navigate(page),
		visible(`#access[data-write="true"]`),
		visible(row+`[data-state="closed"]`))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}

	for range 2 {
		call(s.charge, baldur.Permanent(errDown))
	}
	if st := s.rt.Breaker("payments").State(); st != baldur.StateOpen {
		t.Fatalf("the failures left the breaker %v", st)
	}
	do(t, ctx, "the page sees the breaker open", visible(row+`[data-state="open"]`))
	if same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !same {
		t.Fatalf("the page reloaded to show the open breaker (%v)", err)
	}

	do(t, ctx, "Close closes it",
		chromedp.Click(chromedp.CSS(row+` button[data-action="close"]:not([disabled])`)),
		visible(row+`[data-state="closed"]`))
	if st := s.rt.Breaker("payments").State(); st != baldur.StateClosed {
		t.Fatalf("after the click the breaker is %v", st)
	}

	// The picture: the breaker open again, letters waiting, the charge
	// policy unfolded.
	call(s.charge, nil)
	for range 3 {
		call(s.charge, baldur.Permanent(errDown))
	}
	do(t, ctx, "the page before the screenshot",
		visible(row+`[data-state="open"]`),
		visible(`tr[data-letter]`),
		chromedp.Click(chromedp.CSS(`details[data-policy="charge"] summary`)),
		visible(`details[data-policy="charge"] table.settings`),
		chromedp.WaitNotVisible(chromedp.CSS(`#toast`)))
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 600 {
		t.Fatalf("screenshot %v, want the 1280-wide window", b)
	}
	out := filepath.Join(t.TempDir(), "dashboard.png")
	if *update {
		out = screenshot
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
}

// browser starts headless Chromium with the flags that work on a machine
// without a display, a sandbox or the network, in a fresh profile.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser and lives as long as it: no
	// deadline on it, but a Chromium that cannot start fails here, named,
	// rather than somewhere later.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("chromium %s did not start: %v", path, err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("chromium %s did not start within a minute", path)
	}
	return ctx
}

// do performs the steps within a deadline; step names what failed.
func do(t *testing.T, ctx context.Context, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}
