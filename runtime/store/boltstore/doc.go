// Package boltstore keeps dead letters in one bbolt file: the embedded
// store for durable work in a single process.
//
// A Put returns once its letter is committed and fsync'd. Writes from
// concurrent callers share one commit (group commit): one goroutine owns
// the write transaction, takes every write that is waiting, applies them
// in order and commits once; each caller is answered after the commit
// that holds its write. A write that is refused (full, lease lost, no such
// letter) is checked before it changes anything, so it never fails the
// others; any other failure inside the transaction reruns each write of
// the batch alone, and a failed commit fails every write it held.
//
// The file holds four buckets: the letters by ID; per policy, the pending
// letters keyed by the time they may next be claimed (NextReplay, or the
// end of a lease) and ID, so a claim reads only due letters; the letters
// by Created and ID for listing; and counters (letters, bytes, per policy
// and state) that retention and Counts read without a scan. Only the
// letter's own value holds Body; indexes hold IDs, policies, times and
// states.
//
// bbolt locks the file: a second Open of the same file, from this process
// or another, fails after the lock timeout. Runtimes in one process share
// one *Store.
package boltstore
