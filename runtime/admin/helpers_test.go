package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/admin"
)

// Breakers run timers and the dead-letter queue a loop; none may outlive
// a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	bg      = context.Background()
	errBoom = errors.New("boom")
)

const config = `defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  gateway: {size: 4, minimum_calls: 2, failure_rate: 50}
policies:
  charge:
    retry: {attempts: 3}
    overrides:
      - when: {tier: gold}
        timeout: 2s
dlq:
  max_replays: 1
`

// env is a runtime with a breaker, a keyed breaker and a dead-letter
// queue, and the admin handler in front of it.
type env struct {
	t      *testing.T
	rt     *baldur.Runtime
	charge *baldur.Policy
	keyed  *baldur.Policy
	refund *baldur.Policy
	// replayFails makes replays of refund fail.
	replayFails bool
	log         bytes.Buffer
	logMu       sync.Mutex
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t}
	rt, err := baldur.New(baldur.WithConfigYAML([]byte(config)), baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	e.rt = rt
	e.charge = rt.Policy(baldur.Spec{Name: "charge", Method: "shop.Gateway.Charge", Retry: true, Breaker: "gateway", Fields: []string{"tier"}})
	e.keyed = rt.Policy(baldur.Spec{Name: "notify", Method: "shop.Notifier.Send", Breaker: "notifier", BreakerKey: "tenant"})
	e.refund = rt.Policy(baldur.Spec{Name: "refund", Method: "shop.Gateway.Refund", DeadLetter: &baldur.DeadLetterSpec{
		Replay: func(context.Context, []byte) error {
			if e.replayFails {
				return errBoom
			}
			return nil
		}}})
	return e
}

func (e *env) do(p *baldur.Policy, err error, fields ...baldur.Field) {
	pc := p.Call(fields...)
	ctx := p.Begin(bg, &pc)
	p.End(ctx, &pc, p.Do(ctx, &pc, func(context.Context) error { return err }))
}

// capture makes a refund call that fails for good and is kept.
func (e *env) capture(key string) {
	pc := e.refund.Call()
	ctx := e.refund.Begin(bg, &pc)
	err := e.refund.Capture(ctx, &pc, json.RawMessage(`{"order":"`+key+`"}`), errBoom)
	if !errors.Is(err, baldur.ErrDeadLettered) {
		e.t.Fatalf("capture: %v", err)
	}
	e.refund.End(ctx, &pc, err)
}

func (e *env) handler(opts admin.Options) http.Handler {
	opts.Logger = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		e.logMu.Lock()
		defer e.logMu.Unlock()
		return e.log.Write(p)
	}), nil))
	return admin.Handler(e.rt, opts)
}

func (e *env) logged() string {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	return e.log.String()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// request serves one request and decodes its JSON answer into out.
func request(t *testing.T, h http.Handler, r *http.Request, out any) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", r.Method, r.URL, w.Code, w.Body.String(), err)
		}
	}
	return w
}

func get(t *testing.T, h http.Handler, path string, out any) *httptest.ResponseRecorder {
	t.Helper()
	return request(t, h, httptest.NewRequest(http.MethodGet, path, nil), out)
}

// post sends a mutation as the dashboard does: from the page's origin.
func post(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, nil)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return request(t, h, r, nil)
}

// body is the answer's error message, or its text when it has none.
func body(w *httptest.ResponseRecorder) string {
	var e struct{ Error string }
	if json.Unmarshal(w.Body.Bytes(), &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(w.Body.String())
}

// operator authorizes requests with the operator's token.
func operator(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer op" }
