package bench

import (
	"context"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	retrygo "github.com/avast/retry-go/v4"
	"github.com/cenkalti/backoff/v5"
	"github.com/eapache/go-resiliency/breaker"
	"github.com/eapache/go-resiliency/retrier"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/fallback"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/sony/gobreaker/v2"
)

// Peers are configured as close to Baldur's defaults as each allows: a
// sliding window of 100 calls (or the peer's nearest), 50 % failure rate,
// 3 attempts, a fallback answering 100.

func newGobreaker(open bool) *gobreaker.CircuitBreaker[int64] {
	cb := gobreaker.NewCircuitBreaker[int64](gobreaker.Settings{
		Name:    "quote",
		Timeout: time.Hour,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.Requests >= 20 && c.TotalFailures*2 >= c.Requests
		},
	})
	if open {
		for range 20 {
			cb.Execute(func() (int64, error) { return 0, errFail })
		}
		if cb.State() != gobreaker.StateOpen {
			panic("gobreaker did not open")
		}
	}
	return cb
}

func newResiliency(open bool) *breaker.Breaker {
	b := breaker.New(20, 5, time.Hour)
	if open {
		for range 20 {
			b.Run(func() error { return errFail })
		}
		if b.GetState() != breaker.Open {
			panic("go-resiliency did not open")
		}
	}
	return b
}

func newFailsafe(open bool, retries bool) failsafe.Executor[int64] {
	cb := circuitbreaker.NewBuilder[int64]().
		WithFailureThresholdRatio(50, 100).
		WithDelay(time.Hour).
		Build()
	if open {
		cb.Open()
	}
	if !retries {
		return failsafe.With[int64](cb)
	}
	rp := retrypolicy.NewBuilder[int64]().WithMaxAttempts(3).WithDelay(0).Build()
	fb := fallback.NewWithResult[int64](100)
	return failsafe.With[int64](fb, rp, cb)
}

func newHystrix(name string, open bool) {
	hystrix.ConfigureCommand(name, hystrix.CommandConfig{
		Timeout:                1000,
		MaxConcurrentRequests:  10000,
		RequestVolumeThreshold: 20,
		ErrorPercentThreshold:  50,
		SleepWindow:            int(time.Hour / time.Millisecond),
	})
	if !open {
		return
	}
	c, _, _ := hystrix.GetCircuit(name)
	deadline := time.Now().Add(10 * time.Second)
	for !c.IsOpen() && time.Now().Before(deadline) {
		hystrix.Do(name, func() error { return errFail }, nil)
	}
	if !c.IsOpen() {
		panic("hystrix did not open")
	}
}

func newRetrier() *retrier.Retrier { return retrier.New(retrier.ConstantBackoff(2, 0), nil) }

var retryGoOpts = []retrygo.Option{retrygo.Attempts(3), retrygo.Delay(0), retrygo.DelayType(retrygo.FixedDelay), retrygo.LastErrorOnly(true)}

func backoffRetry(ctx context.Context, op func() (int64, error)) (int64, error) {
	return backoff.Retry(ctx, op, backoff.WithBackOff(&backoff.ZeroBackOff{}), backoff.WithMaxTries(3))
}

func failsafeRetry() failsafe.Executor[any] {
	return failsafe.With[any](retrypolicy.NewBuilder[any]().WithMaxAttempts(3).WithDelay(0).Build())
}
