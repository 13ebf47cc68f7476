package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/baldur-go/baldur/examples/payments"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

// The parent tells a child its role and where things are through the
// environment, so the same binary serves as both.
const (
	childEnv    = "BALDUR_CRASH_CHILD" // "capture" or "replay"
	lettersEnv  = "BALDUR_CRASH_LETTERS"
	providerEnv = "BALDUR_CRASH_PROVIDER"
	ordersEnv   = "BALDUR_CRASH_ORDERS"
)

// config keeps the breaker out of the way (every order reaches the
// provider while the child captures) and the schedule far off (replays
// here are the second process's Runtime.Replay).
const config = `
breakers:
  gateway: {size: 1000, minimum_calls: 1000}
policies:
  charge-customer:
    retry: {attempts: 2, initial_delay: 1ms, max_delay: 1ms}
dlq:
  interval: 1h
`

// child is one of the two processes: capture charges orders while the
// provider is down and says "captured <id>" for each the store took;
// replay replays what the file holds and says "replayed <n>".
func child(role string, stdout, stderr io.Writer) int {
	letters, err := boltstore.Open(os.Getenv(lettersEnv))
	if err != nil {
		fmt.Fprintln(stderr, "crash child:", err)
		return 1
	}
	defer letters.Close()
	rt, err := baldur.New(baldur.WithConfigYAML([]byte(config)), baldur.WithDeadLetterStore(letters),
		baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Fprintln(stderr, "crash child:", err)
		return 1
	}
	defer rt.Close()
	gw := payments.NewPaymentGatewayProtected(payments.NewHTTPGateway(os.Getenv(providerEnv), &http.Client{Timeout: 5 * time.Second}), rt)
	ctx := context.Background()
	switch role {
	case "capture":
		n, _ := strconv.Atoi(os.Getenv(ordersEnv))
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("ord-%03d", i)
			r, err := gw.Charge(ctx, id, int64(i)*100, payments.Customer{ID: "cust-" + id, Tier: "standard"})
			if err != nil || r.Status != "queued" {
				fmt.Fprintf(stderr, "crash child: %s: %+v, %v; want queued\n", id, r, err)
				return 1
			}
			fmt.Fprintln(stdout, "captured", id) // the letter is in the file: the parent may kill us now
		}
		return 0
	case "replay":
		stats, err := rt.Replay(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "crash child:", err)
			return 1
		}
		fmt.Fprintln(stdout, "replayed", stats.Replayed, "failed", stats.Failed, "parked", stats.Parked)
		return 0
	}
	fmt.Fprintln(stderr, "crash child: unknown role", role)
	return 2
}
