package pgstore

// OnDeadLetterRetry sets a hook called each time an operation is retried
// after a serialization failure or a deadlock. Call it before any use.
func (s *DeadLetterStore) OnDeadLetterRetry(f func()) { s.retried = f }

// OnDeadLetterAckBatch sets a hook called with the size of each batch of
// Acks run as one statement. Call it before any use.
func (s *DeadLetterStore) OnDeadLetterAckBatch(f func(n int)) { s.ackBatched = f }

// DeadLetterAcksQueued is the Acks waiting for the statement under way.
func (s *DeadLetterStore) DeadLetterAcksQueued() int {
	s.acks.mu.Lock()
	defer s.acks.mu.Unlock()
	return len(s.acks.queue)
}
