package pgstore

// OnDeadLetterRetry sets a hook called each time an operation is retried
// after a serialization failure or a deadlock. Call it before any use.
func (s *DeadLetterStore) OnDeadLetterRetry(f func()) { s.retried = f }
