package admin

import (
	"net/http"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// breakerView is one breaker as the API shows it.
type breakerView struct {
	Name  string    `json:"name"`
	Key   string    `json:"key,omitempty"`
	State string    `json:"state"`
	Since time.Time `json:"since,omitzero"`
	// Window is the closed state's window; the rates are null until
	// minimum_calls calls are in it.
	Window         windowView `json:"window"`
	FailureRate    *float64   `json:"failure_rate"`
	SlowCallRate   *float64   `json:"slow_call_rate"`
	ProbesLeft     int64      `json:"probes_left"`
	ProbeSuccesses int64      `json:"probe_successes"`
	// The thresholds the rates are held against.
	FailureThreshold  float64 `json:"failure_rate_threshold"`
	SlowCallThreshold float64 `json:"slow_call_rate_threshold"`
	OpenFor           string  `json:"open_for"`
	HalfOpenProbes    int     `json:"half_open_probes"`
}

type windowView struct {
	Kind         string `json:"kind"`
	Size         int    `json:"size,omitempty"`
	Span         string `json:"span,omitempty"`
	MinimumCalls int    `json:"minimum_calls"`
	Calls        int64  `json:"calls"`
	Failures     int64  `json:"failures"`
	SlowCalls    int64  `json:"slow_calls"`
}

func viewBreaker(b *baldur.CircuitBreaker) breakerView {
	m, c := b.Metrics(), b.Config()
	written := map[string]string{} // durations as baldur.yaml writes them
	for _, s := range baldur.SettingsOf(c, "") {
		written[s.Key] = s.Value
	}
	v := breakerView{
		Name: b.Name(), Key: b.Key(), State: m.State.String(), Since: m.Since,
		ProbesLeft: m.ProbesLeft, ProbeSuccesses: m.ProbeSuccesses,
		FailureThreshold: c.FailureRate.Value(), SlowCallThreshold: c.SlowCallRate.Value(),
		OpenFor: written["open_for"], HalfOpenProbes: c.HalfOpenProbes.Value(),
		Window: windowView{
			Kind: c.Window.Value().String(), MinimumCalls: c.MinimumCalls.Value(),
			Calls: m.Calls, Failures: m.Failures, SlowCalls: m.SlowCalls,
		},
	}
	if c.Window.Value() == baldur.CountWindow {
		v.Window.Size = c.Size.Value()
	} else {
		v.Window.Span = written["span"]
	}
	if m.FailureRate >= 0 {
		v.FailureRate = &m.FailureRate
	}
	if m.SlowCallRate >= 0 {
		v.SlowCallRate = &m.SlowCallRate
	}
	return v
}

func (h *handler) breakers(w http.ResponseWriter, r *http.Request) {
	bs := h.rt.Breakers()
	out := struct {
		Now      time.Time     `json:"now"`
		Breakers []breakerView `json:"breakers"`
	}{Now: time.Now(), Breakers: make([]breakerView, 0, len(bs))}
	for _, b := range bs {
		out.Breakers = append(out.Breakers, viewBreaker(b))
	}
	writeJSON(w, http.StatusOK, out)
}

// breakerActions are the operator's transitions, by the name the API
// gives them.
var breakerActions = map[string]struct {
	to   baldur.State
	done string
}{
	"force-open": {baldur.StateForcedOpen, "breaker forced open"},
	"close":      {baldur.StateClosed, "breaker closed"},
	"disable":    {baldur.StateDisabled, "breaker disabled"},
}

func (h *handler) breakerAction(w http.ResponseWriter, r *http.Request) (string, error) {
	act, ok := breakerActions[r.PathValue("action")]
	if !ok {
		return "", fail(w, http.StatusNotFound, "no breaker action %q (force-open, close, disable)", r.PathValue("action"))
	}
	name, key := r.PathValue("name"), r.FormValue("key")
	b := h.rt.Breaker(name)
	if key != "" {
		b = h.rt.KeyedBreaker(name, key)
	}
	if b == nil {
		return "", fail(w, http.StatusNotFound, "no breaker %q%s", name, keyNote(key))
	}
	if err := b.Transition(act.to); err != nil {
		return "", fail(w, http.StatusConflict, "%v", err)
	}
	writeJSON(w, http.StatusOK, viewBreaker(b))
	return act.done + ": " + name + keyNote(key), nil
}

func keyNote(key string) string {
	if key == "" {
		return ""
	}
	return " key " + key
}
