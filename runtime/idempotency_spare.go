package baldur

// An inline flight on a local store that no duplicate joined is seen by
// its first caller alone: once that caller has read the outcome, nothing
// points at its typedCall any more, which is kept for the engine's next
// call instead of left to the collector. Any other flight may still be
// read by a duplicate, a worker or the watchdog after its caller returns.

// spareCall is a cleared typedCall of e's, or a new one.
func spareCall[R any](e *idemEngine) *typedCall[R] {
	if tc, ok := e.spare.Get().(*typedCall[R]); ok {
		return tc
	}
	return new(typedCall[R])
}

// recycle keeps tc for e's next call, if nothing else can reach it: it
// never had a flight, or its flight ran inline on a local store, without
// a context of its own and without a duplicate (done is made for the
// first one). Called by the caller that made tc, once it has read it.
func recycle[R any](e *idemEngine, tc *typedCall[R]) {
	if f := &tc.flight; f.run != nil && (!f.inline || f.cancel != nil || f.done != nil) {
		return
	}
	*tc = typedCall[R]{}
	e.spare.Put(tc)
}
