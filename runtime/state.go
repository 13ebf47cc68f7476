package baldur

// State is a circuit breaker's state.
type State int32

const (
	// StateClosed lets every call through and records its outcome.
	StateClosed State = iota
	// StateOpen rejects every call until the open period ends.
	StateOpen
	// StateHalfOpen lets a fixed number of probe calls through.
	StateHalfOpen
	// StateForcedOpen rejects every call until an operator closes it.
	StateForcedOpen
	// StateDisabled lets every call through and records nothing.
	StateDisabled
)

var stateNames = [...]string{
	StateClosed:     "closed",
	StateOpen:       "open",
	StateHalfOpen:   "half-open",
	StateForcedOpen: "forced-open",
	StateDisabled:   "disabled",
}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}
