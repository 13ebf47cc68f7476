package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// runChild plays a child's part in a multi-process test.
func runChild(t *testing.T, b Backend, role string) {
	dir := os.Getenv(envDir)
	s := b.Attach(t, os.Getenv(envNS))
	switch role {
	case "race":
		childRace(t, s, dir)
	case "hang":
		childHang(t, s, dir)
	default:
		t.Fatalf("unknown role %q", role)
	}
}

// childRace waits until both children are up, calls Charge from 100
// goroutines, and prints how often the inner call ran and what each caller
// got. The inner call holds until the parent has seen both children
// calling, so their calls overlap.
func childRace(t *testing.T, s baldur.IdempotencyStore, dir string) {
	touch(t, filepath.Join(dir, fmt.Sprint("ready-", os.Getpid())))
	waitFiles(t, dir, "ready-*", 2)
	e := newEngine(t, s, config{IdempotencyConfig: baldur.IdempotencyConfig{PollMin: baldur.Set(time.Millisecond), PollMax: baldur.Set(20 * time.Millisecond)}})
	var calls, errs atomic.Int64
	inner := func(context.Context, int64) (receipt, error) {
		calls.Add(1)
		// Not waitFiles: t.Fatal must not run on the call's goroutine.
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
			if _, err := os.Stat(filepath.Join(dir, "release")); err == nil {
				return receipt{ID: fmt.Sprint("pid", os.Getpid())}, nil
			}
			if time.Now().After(deadline) {
				return receipt{}, errors.New("the parent never released the call")
			}
		}
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids []string
	)
	for range 100 {
		wg.Go(func() {
			r, err := charge(context.Background(), e, "charge-customer", "o-1", chargeArgs{Amount: 100}, inner)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs.Add(1)
				t.Log(err)
			}
			ids = append(ids, r.ID)
		})
	}
	touch(t, filepath.Join(dir, fmt.Sprint("calling-", os.Getpid())))
	wg.Wait()
	fmt.Printf("STORETEST calls=%d errs=%d ids=%s\n", calls.Load(), errs.Load(), strings.Join(ids, ","))
}

// childHang claims o-1 and blocks inside the call until it is killed.
func childHang(t *testing.T, s baldur.IdempotencyStore, dir string) {
	e := newEngine(t, s, config{IdempotencyConfig: baldur.IdempotencyConfig{RenewEvery: baldur.Set(10 * time.Second)}})
	_, _ = charge(context.Background(), e, "charge-customer", "o-1", chargeArgs{Amount: 1}, func(context.Context, int64) (receipt, error) {
		_ = os.WriteFile(filepath.Join(dir, "claimed"), nil, 0o600)
		select {} // until SIGKILL
	})
	t.Fatal("the call returned")
}
