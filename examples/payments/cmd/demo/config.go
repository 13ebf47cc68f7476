package main

import (
	"log/slog"

	baldur "github.com/baldur-go/baldur/runtime"
)

// demoConfig is what a service would keep in baldur.yaml. Everything not
// set here comes from the annotations in gateway.go and the built-in
// defaults; the built-in breaker (100 calls, open for 30s) is shrunk so
// that the whole story plays in seconds, and the backoff is shortened to
// match.
const demoConfig = `breakers:
  gateway:
    size: 10
    minimum_calls: 5
    failure_rate: 50
    open_for: 1s
    half_open_probes: 2
policies:
  charge-customer:
    retry:
      initial_delay: 20ms
      max_delay: 100ms
`

// breakerName is the breaker the annotations of PaymentGateway share.
const breakerName = "gateway"

func newRuntime(obs baldur.Observer, logger *slog.Logger) (*baldur.Runtime, error) {
	return baldur.New(
		baldur.WithConfigYAML([]byte(demoConfig)),
		baldur.WithObserver(obs),
		baldur.WithLogger(logger),
	)
}
