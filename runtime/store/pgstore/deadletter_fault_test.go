package pgstore_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/internal/fault"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// dlLeakCheck, called first, runs after every cleanup registered later
// (the proxy's, the pools'), and sees only goroutines this test started.
func dlLeakCheck(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// behindProxy returns a store whose connections go through a fault proxy
// in front of the test database, with the store's timeout at d, and a
// store on a direct pool to see the table as it is.
func behindProxy(t *testing.T, d time.Duration) (proxied, direct *pgstore.DeadLetterStore, p *fault.Proxy) {
	t.Helper()
	cfg := dlConfig(t, nil)
	db := dlConnect(t, cfg, 2)
	schema := dlSchema(t, db)
	p = fault.NewProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	pcfg := dlConfig(t, func(c *pgx.ConnConfig) {
		host, port, _ := net.SplitHostPort(p.Addr())
		n, _ := strconv.Atoi(port)
		c.Host, c.Port, c.Fallbacks = host, uint16(n), nil
	})
	through := dlConnect(t, pcfg, 2)
	proxied = dlStore(t, through, schema, pgstore.WithDeadLetterTimeout(d))
	return proxied, dlStore(t, db, schema), p
}

func isTimeout(err error) bool {
	var de *pgstore.DeadLetterError
	return errors.Is(err, pgstore.ErrDeadLetterTimeout) && errors.As(err, &de) && !errors.Is(err, context.DeadlineExceeded)
}

// A stalled network (the server never answers) gives every operation the
// store's typed timeout, not a hang, even with a caller's context that
// never ends; once the network is back, the store works again.
func TestDeadLetterStalledServerTimesOut(t *testing.T) {
	dlLeakCheck(t)
	s, direct, p := behindProxy(t, 300*time.Millisecond)
	ctx := context.Background()
	if err := s.Put(ctx, dlLetter("before")); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	ops := map[string]func() error{
		"put": func() error { return s.Put(ctx, dlLetter("during")) },
		"claim": func() error {
			_, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: time.Minute, Max: 1})
			return err
		},
		"get":    func() error { _, _, err := s.Get(ctx, "before"); return err },
		"counts": func() error { _, err := s.Counts(ctx); return err },
	}
	for name, op := range ops {
		if err := op(); !isTimeout(err) {
			t.Errorf("%s through a stalled network: %v, want ErrDeadLetterTimeout", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// Drop what the stall held, so nothing sent during it lands later.
	p.CutAll()
	p.Resume()
	if _, ok, err := direct.Get(ctx, "during"); ok || err != nil {
		t.Fatalf("the Put that timed out before reaching the server is stored: %v, %v", ok, err)
	}
	if err := s.Put(ctx, dlLetter("after")); err != nil {
		t.Fatalf("Put once the network is back: %v", err)
	}
}

// The caller's own deadline is the caller's: not the store's timeout.
func TestDeadLetterCallerDeadlineIsNotTheStoreTimeout(t *testing.T) {
	dlLeakCheck(t)
	s, _, p := behindProxy(t, 10*time.Second)
	p.Stall()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Put(ctx, dlLetter("a"))
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, pgstore.ErrDeadLetterTimeout) {
		t.Fatalf("Put past the caller's deadline: %v, want the caller's context.DeadlineExceeded", err)
	}
	p.CutAll()
	p.Resume()
}

// D8: an Ack that failed with a store error (the network stalled, then
// was cut) can be tried again: the letter waits, held by the same token,
// and the retried Ack removes it.
func TestDeadLetterAckRetriedAfterAStoreError(t *testing.T) {
	dlLeakCheck(t)
	s, direct, p := behindProxy(t, 300*time.Millisecond)
	ctx := context.Background()
	if err := s.Put(ctx, dlLetter("a")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: time.Minute, Max: 1})
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	p.Stall()
	if err := s.Ack(ctx, "a", got[0].Token); !isTimeout(err) {
		t.Fatalf("Ack through a stalled network: %v, want ErrDeadLetterTimeout", err)
	}
	p.CutAll()
	if l, ok, err := direct.Get(ctx, "a"); err != nil || !ok || l.Token != got[0].Token {
		t.Fatalf("after the failed Ack: %+v, %v, %v; want the letter held by the same token", l, ok, err)
	}
	if err := s.Ack(ctx, "a", got[0].Token); err == nil {
		t.Fatal("Ack through a cut network succeeded") // the proxy is still stalled: new links hang too
	}
	p.CutAll()
	p.Resume()
	if err := s.Ack(ctx, "a", got[0].Token); err != nil {
		t.Fatalf("retried Ack: %v", err)
	}
	if _, ok, _ := direct.Get(ctx, "a"); ok {
		t.Fatal("the letter is still there after the retried Ack")
	}
}

// A cut connection fails the operation on it; the next one reconnects.
func TestDeadLetterCutConnection(t *testing.T) {
	dlLeakCheck(t)
	s, _, p := behindProxy(t, 2*time.Second)
	ctx := context.Background()
	if err := s.Put(ctx, dlLetter("a")); err != nil {
		t.Fatal(err)
	}
	p.CutAll()
	var failed bool
	for i := range 3 { // a pool may hold a connection the cut missed
		if _, _, err := s.Get(ctx, "a"); err != nil {
			failed = true
			var de *pgstore.DeadLetterError
			if !errors.As(err, &de) || de.Op != "get" {
				t.Fatalf("Get %d on a cut connection: %v, want a *DeadLetterError", i, err)
			}
		}
	}
	if !failed {
		t.Fatal("no Get failed after the connections were cut")
	}
	if _, ok, err := s.Get(ctx, "a"); err != nil || !ok {
		t.Fatalf("Get after reconnecting: %v, %v", ok, err)
	}
}
