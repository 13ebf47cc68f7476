package otelbaldur

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	baldur "github.com/baldur-go/baldur/runtime"
)

// countTimeout bounds the reading of the dead-letter counts at each
// collection, below the store's own timeout, so that a slow store delays a
// scrape by at most this much.
const countTimeout = time.Second

var states = []baldur.State{baldur.StateClosed, baldur.StateOpen, baldur.StateHalfOpen, baldur.StateForcedOpen, baldur.StateDisabled}

// observe registers the gauges, read from the runtime at each collection.
func (ic *interceptor) observe(m metric.Meter) error {
	_, err := m.Int64ObservableGauge("baldur.breaker.state", metric.WithUnit("{state}"),
		metric.WithDescription("1 for the state each circuit breaker is in, 0 for the others."),
		metric.WithInt64Callback(ic.observeBreakers))
	if err != nil {
		return err
	}
	_, err = m.Int64ObservableGauge("baldur.dlq.letters", metric.WithUnit("{letter}"),
		metric.WithDescription("Dead letters waiting, by policy and state."),
		metric.WithInt64Callback(ic.letters.observe(ic.rt)))
	return err
}

func (ic *interceptor) observeBreakers(_ context.Context, o metric.Int64Observer) error {
	for _, b := range ic.rt.Breakers() {
		cur := b.State()
		kvs := []attribute.KeyValue{keyBreaker.String(b.Name()), {}}
		if b.Key() != "" {
			kvs = append(kvs, keyBreakerKey.String(b.Key()))
		}
		for _, s := range states {
			kvs[1] = keyState.String(s.String())
			v := int64(0)
			if s == cur {
				v = 1
			}
			o.Observe(v, metric.WithAttributes(kvs...))
		}
	}
	return nil
}

// letterGauge remembers the policy and state pairs it has reported, so
// that one whose letters are all gone reads 0 rather than disappearing.
type letterGauge struct {
	mu   sync.Mutex
	seen map[[2]string]bool
}

func (g *letterGauge) observe(rt *baldur.Runtime) metric.Int64Callback {
	return func(ctx context.Context, o metric.Int64Observer) error {
		if !rt.DeadLettersInUse() {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, countTimeout)
		defer cancel()
		counts, err := rt.DeadLetters().Counts(ctx)
		if err != nil {
			// The other instruments are still collected; a missing gauge
			// says less than a false zero.
			otel.Handle(fmt.Errorf("otelbaldur: counting dead letters: %w", err))
			return nil
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.seen == nil {
			g.seen = map[[2]string]bool{}
		}
		now := map[[2]string]int64{}
		for _, c := range counts {
			k := [2]string{c.Policy, c.State.String()}
			now[k] += int64(c.N)
			g.seen[k] = true
		}
		for k := range g.seen {
			o.Observe(now[k], metric.WithAttributes(keyPolicy.String(k[0]), keyLetterState.String(k[1])))
		}
		return nil
	}
}
