package httpbaldur_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
)

// Servers, idle connections and the runtime's timers end with each test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

// server is an HTTP server on 127.0.0.1 whose n-th request (1-based) is
// answered by answer.
type server struct {
	*httptest.Server
	calls atomic.Int32
}

func startServer(t *testing.T, answer func(w http.ResponseWriter, n int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer(w, int(s.calls.Add(1)))
	}))
	t.Cleanup(func() {
		s.Client().CloseIdleConnections()
		s.Close()
	})
	return s
}

// env is a runtime on a fake clock that records the delays it retried
// after.
type env struct {
	clock  *baldurtest.Clock
	rt     *baldur.Runtime
	mu     sync.Mutex
	delays []time.Duration
}

func newEnv(t *testing.T, config string) *env {
	t.Helper()
	e := &env{clock: baldurtest.NewClock(time.Now())}
	rt, err := baldur.New(baldur.WithClock(e.clock), baldur.WithConfigYAML([]byte(config)),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
		baldur.WithObserver(func(ev baldur.Event) {
			if ev.Kind == baldur.EventRetry {
				e.mu.Lock()
				e.delays = append(e.delays, ev.Delay)
				e.mu.Unlock()
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	e.rt = rt
	t.Cleanup(func() { rt.Close() })
	return e
}

// advanceEachSleep advances the clock by each delay the call sleeps
// until done is closed.
func (e *env) advanceEachSleep(t *testing.T, done <-chan struct{}) {
	t.Helper()
	for {
		ctx, cancel := context.WithCancel(bg)
		slept := make(chan error, 1)
		go func() { slept <- e.clock.WaitForCallTimers(ctx, 1) }()
		select {
		case <-done:
			cancel()
			<-slept
			return
		case err := <-slept:
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			e.mu.Lock()
			d := e.delays[len(e.delays)-1]
			e.mu.Unlock()
			e.clock.Advance(d)
		}
	}
}

// roundTrip is what the generated decorator of an http.RoundTripper does
// (issue 11), through Call.
func roundTrip(p *baldur.Policy, rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	call := httpbaldur.NewCall(req.Context(), req)
	var resp *http.Response
	err := p.Do(req.Context(), nil, func(ctx context.Context) error {
		attempt, err := call.Request(ctx)
		if err != nil {
			return err
		}
		resp, err = rt.RoundTrip(attempt)
		resp, err = call.Response(resp, err)
		return err
	})
	return call.Result(resp, err)
}
