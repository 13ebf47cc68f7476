package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/baldur-go/baldur/examples/payments"
	"github.com/baldur-go/baldur/examples/payments/provider"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/admin"
	"github.com/baldur-go/baldur/runtime/otelbaldur"
)

// liveConfig is the demo's baldur.yaml, with an open period long enough to
// see on the page.
const liveConfig = `breakers:
  gateway:
    size: 10
    minimum_calls: 5
    failure_rate: 50
    open_for: 5s
    half_open_probes: 2
policies:
  charge-customer:
    retry:
      initial_delay: 20ms
      max_delay: 100ms
`

// app is the running example: the provider, the runtime with its
// metrics, and the gateway.
type app struct {
	provider *provider.Provider
	server   *provider.Server
	rt       *baldur.Runtime
	meters   *sdkmetric.MeterProvider
	registry *prometheus.Registry
	gateway  payments.PaymentGateway
	idle     *http.Transport
	logger   *slog.Logger
}

// start builds the example with config as its baldur.yaml.
func start(logger *slog.Logger, config string) (*app, error) {
	a := &app{provider: provider.New(declineAbove), registry: prometheus.NewRegistry(), logger: logger}
	exporter, err := otelprom.New(otelprom.WithRegisterer(a.registry))
	if err != nil {
		return nil, err
	}
	a.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	a.rt, err = baldur.New(
		baldur.WithConfigYAML([]byte(config)),
		baldur.WithLogger(logger),
		otelbaldur.Instrument(otelbaldur.WithMeterProvider(a.meters)),
	)
	if err != nil {
		return nil, errors.Join(err, a.meters.Shutdown(bg))
	}
	if a.server, err = provider.Start(a.provider); err != nil {
		a.Close()
		return nil, err
	}
	a.idle = http.DefaultTransport.(*http.Transport).Clone()
	inner := payments.NewHTTPGateway(a.server.URL, &http.Client{Transport: a.idle})
	a.gateway = payments.NewPaymentGatewayProtected(inner, a.rt)
	return a, nil
}

// Handler serves the dashboard under /baldur/ and the metrics at /metrics.
func (a *app) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	mux.Handle("/baldur/", http.StripPrefix("/baldur", admin.Handler(a.rt, admin.Options{Authorize: fromThisMachine, Logger: a.logger})))
	mux.Handle("GET /{$}", http.RedirectHandler("/baldur/", http.StatusFound))
	return mux
}

// fromThisMachine authorizes the example's operator: whoever can reach
// the loopback address. The admin handler refuses cross-origin requests
// before it asks.
func fromThisMachine(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	return err == nil && net.ParseIP(host).IsLoopback()
}

// Close stops the provider and the runtime, then the meter provider whose
// gauges read the runtime.
func (a *app) Close() error {
	var errs []error
	if a.server != nil {
		errs = append(errs, a.server.Close())
	}
	if a.idle != nil {
		a.idle.CloseIdleConnections()
	}
	errs = append(errs, a.rt.Close(), a.meters.Shutdown(bg))
	return errors.Join(errs...)
}
