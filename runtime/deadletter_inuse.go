package baldur

// DeadLettersInUse reports whether the runtime has a dead-letter queue: a
// policy with dead-letter capture was built, or DeadLetters was called.
// A collector or a dashboard asks first, so that looking at the queue does
// not create one (with its warning that letters live only in memory).
func (rt *Runtime) DeadLettersInUse() bool { return rt.dlq.Load() != nil }
