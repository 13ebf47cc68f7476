package baldur

// methodRan reports whether err means the method ran even though the call
// failed (its result could not be recorded, its lease was lost): such an
// error never reaches a fallback or the dead-letter queue.
//
// Placeholder until the idempotency engine's own version lands.
func methodRan(err error) bool { return false }
