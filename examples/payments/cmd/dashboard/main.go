// Command dashboard runs the payments example for a person to watch: the
// fake provider with its scripted faults looping (warm-up failures,
// declines, an outage that opens the breaker, the recovery), the
// protected gateway in front of it, the admin dashboard at /baldur/ and
// the OpenTelemetry metrics at /metrics, in Prometheus's format.
//
//	go run . -addr 127.0.0.1:8080
//
// It serves on loopback only; the admin handler lets requests from this
// machine force breakers, which a real service would decide with its own
// authentication.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
