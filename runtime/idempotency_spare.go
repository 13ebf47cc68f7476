package baldur

// A flight on a local store that no duplicate joined is seen by its first
// caller alone once the outcome is published to it: its goroutine, inline
// or a worker, touches it last when it closes done, and no watchdog,
// renewal or orphaned claim outlives it there. Once that caller has read
// the outcome, its typedCall is kept for the engine's next call instead of
// left to the collector. Any other flight may still be read by a
// duplicate, a worker or the watchdog after its caller returns.

// spareCall is a cleared typedCall of e's, or a new one.
func spareCall[R any](e *idemEngine) *typedCall[R] {
	if tc, ok := e.spare.Get().(*typedCall[R]); ok {
		return tc
	}
	return new(typedCall[R])
}

// recycle keeps tc for e's next call, if nothing else can reach it: it
// never had a flight, or its flight, on a local store, published its
// outcome to this caller (settled) and no duplicate joined it. Called by
// the caller that made tc, once it has read it.
func recycle[R any](e *idemEngine, tc *typedCall[R], settled bool) {
	if f := &tc.flight; f.run != nil && (!settled || !e.local || f.joined) {
		return
	}
	*tc = typedCall[R]{}
	e.spare.Put(tc)
}
