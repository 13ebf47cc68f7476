package idempotency

// EventKind names what happened to a call; the runtime turns events into
// its own events and metrics.
type EventKind uint8

const (
	// EventRun: this call claimed the key and runs the inner call.
	EventRun EventKind = iota + 1
	// EventJoin: a duplicate joined a call running in this process.
	EventJoin
	// EventWaitRemote: the key is in flight in another process (or another
	// engine); the call polls the store.
	EventWaitRemote
	// EventHit: a stored result or permanent failure was found.
	EventHit
	// EventKeyReused: the key was found with other arguments.
	EventKeyReused
	// EventReleased: the call failed and its key was freed for a retry.
	EventReleased
	// EventLeaseLost: another caller took the key over from this one.
	EventLeaseLost
)

func (k EventKind) String() string {
	switch k {
	case EventRun:
		return "run"
	case EventJoin:
		return "join"
	case EventWaitRemote:
		return "wait-remote"
	case EventHit:
		return "hit"
	case EventKeyReused:
		return "key-reused"
	case EventReleased:
		return "released"
	case EventLeaseLost:
		return "lease-lost"
	}
	return "unknown"
}

// Event is handed to Config.OnEvent. It carries the store key, never the
// caller's key, so it is safe to log.
type Event struct {
	Kind     EventKind
	Policy   string
	StoreKey string
}

func (e *Engine) emit(kind EventKind, policy, key string) {
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(Event{Kind: kind, Policy: policy, StoreKey: key})
	}
}

func (f *flight) emit(e *Engine, kind EventKind) { e.emit(kind, f.policy, f.key) }
