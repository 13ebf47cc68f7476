package baldur_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// model is the breaker state machine written the simplest way: a slice
// for the window, explicit deadlines for the timers. Calls are sequential,
// so it must agree with the real breaker exactly.
type model struct {
	size, min, probes int
	rate              float64
	openFor, maxWait  time.Duration

	now       time.Duration
	state     baldur.State
	window    []bool // true = failure
	successes int
	until     time.Duration // end of the open period or of the half-open wait
}

func (m *model) call(o string) {
	switch m.state {
	case baldur.StateClosed:
		if o == "ignored" {
			return
		}
		m.window = append(m.window, o == "failure")
		if len(m.window) > m.size {
			m.window = m.window[1:]
		}
		f := 0
		for _, x := range m.window {
			if x {
				f++
			}
		}
		if len(m.window) >= m.min && f > 0 && float64(f)*100/float64(len(m.window)) >= m.rate {
			m.open(m.now)
		}
	case baldur.StateHalfOpen:
		switch o {
		case "failure":
			m.open(m.now)
		case "success":
			if m.successes++; m.successes == m.probes {
				m.state, m.window = baldur.StateClosed, nil
			}
		}
	}
}

func (m *model) open(at time.Duration) {
	m.state, m.until = baldur.StateOpen, at+m.openFor
}

func (m *model) advance(d time.Duration) {
	target := m.now + d
	for {
		switch {
		case m.state == baldur.StateOpen && m.until <= target:
			m.state, m.successes = baldur.StateHalfOpen, 0
			m.now, m.until = m.until, m.until+m.maxWait
			continue
		case m.state == baldur.StateHalfOpen && m.maxWait > 0 && m.until <= target:
			m.now = m.until
			m.open(m.now)
			continue
		}
		break
	}
	m.now = target
}

func TestBreakerMatchesReferenceModel(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 42))
		m := &model{
			size: 1 + r.IntN(8), probes: 1 + r.IntN(4), rate: float64(10 * (1 + r.IntN(10))),
			openFor: time.Duration(1+r.IntN(5)) * time.Second, maxWait: time.Duration(r.IntN(3)) * time.Second,
		}
		m.min = 1 + r.IntN(m.size)
		e := newEnv(t, fmt.Sprintf(`
breakers:
  dep: {size: %d, minimum_calls: %d, failure_rate: %v, open_for: %v, half_open_probes: %d, half_open_max_wait: %v}
`, m.size, m.min, m.rate, m.openFor, m.probes, m.maxWait))
		p := e.policy(baldur.Spec{Name: "dep", Breaker: "dep", Ignore: []error{errDeclined}})
		var trace []string
		for step := range 200 {
			var op string
			switch k := r.IntN(10); {
			case k < 4:
				op = "success"
				do(p, nil)
			case k < 7:
				op = "failure"
				do(p, errBoom)
			case k < 8:
				op = "ignored"
				do(p, errDeclined)
			default:
				d := time.Duration(r.IntN(3000)) * time.Millisecond
				op = "advance " + d.String()
				e.clock.Advance(d)
				m.advance(d)
			}
			if op[0] != 'a' {
				m.call(op)
			}
			trace = append(trace, op)
			got := p.Breaker().Metrics()
			bad := got.State != m.state
			if m.state == baldur.StateClosed && !bad {
				f := 0
				for _, x := range m.window {
					if x {
						f++
					}
				}
				bad = got.Calls != int64(len(m.window)) || got.Failures != int64(f)
			}
			if bad {
				t.Fatalf("seed %d, model %+v, step %d: breaker %+v, model state %v window %v\ntrace: %v",
					seed, *m, step, got, m.state, m.window, trace)
			}
		}
		e.rt.Close()
	}
}
