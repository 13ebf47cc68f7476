package main

import (
	"log/slog"

	baldur "github.com/baldur-go/baldur/runtime"
)

// demoConfig is what a service would keep in baldur.yaml. Everything not
// set here comes from the annotations in gateway.go and the built-in
// defaults; the built-in breaker (100 calls, open for 30s) is shrunk so
// that the whole story plays in seconds, and the backoff is shortened to
// match. Critical customers get six attempts where others get three. The
// dead-letter queue's schedule is an hour: what it replays here, it
// replays because the breaker closed again.
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
    overrides:
      - when: {tier: critical}
        retry: {attempts: 6}
dlq:
  interval: 1h
`

// breakerName is the breaker the annotations of PaymentGateway share.
const breakerName = "gateway"

// newRuntime builds the runtime on letters, the dead-letter store: a
// bbolt file, the embedded default for work that must not be lost.
func newRuntime(obs baldur.Observer, logger *slog.Logger, letters baldur.DeadLetterStore) (*baldur.Runtime, error) {
	return baldur.New(
		baldur.WithConfigYAML([]byte(demoConfig)),
		baldur.WithObserver(obs),
		baldur.WithLogger(logger),
		baldur.WithDeadLetterStore(letters),
	)
}
