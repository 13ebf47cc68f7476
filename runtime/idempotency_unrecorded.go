package baldur

import (
	"bytes"
	"container/list"
	"time"
)

// Results that ran but could not be recorded (the store failed on the
// completing write, or the lease was lost) are kept in the engine, so that
// duplicates in this process get them rather than running the call again.
// Other processes see the key in flight until its lease ends.

// maxUnrecorded bounds the results kept; the oldest goes first.
const maxUnrecorded = 1024

type unrecorded struct {
	key     string
	args    []byte
	val     []byte
	expires time.Time     // when the record would have expired
	elem    *list.Element // in idemEngine.unrecordedOrder
}

// keepUnrecorded keeps f's result val, which expires at expires.
func (e *idemEngine) keepUnrecorded(f *flight, val []byte, expires time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.unrecorded == nil {
		e.unrecorded = make(map[string]*unrecorded)
	}
	e.dropUnrecordedLocked(f.key)
	u := &unrecorded{key: f.key, args: f.args, val: val, expires: expires}
	u.elem = e.unrecordedOrder.PushBack(u)
	e.unrecorded[f.key] = u
	for len(e.unrecorded) > maxUnrecorded {
		e.dropUnrecordedLocked(e.unrecordedOrder.Front().Value.(*unrecorded).key)
	}
}

func (e *idemEngine) dropUnrecordedLocked(key string) {
	if u := e.unrecorded[key]; u != nil {
		e.unrecordedOrder.Remove(u.elem)
		delete(e.unrecorded, key)
	}
}

// unrecordedLocked answers a duplicate of key with args from a result kept
// by keepUnrecorded, if there is one. Called with e.mu held.
func (e *idemEngine) unrecordedLocked(key string, args []byte) (result, bool) {
	u := e.unrecorded[key]
	if u == nil {
		return result{}, false
	}
	if !u.expires.After(e.cfg.clock.Now()) {
		e.dropUnrecordedLocked(key)
		return result{}, false
	}
	if !bytes.Equal(u.args, args) {
		e.event(EventKeyReused)
		return result{err: ErrKeyReused, settled: true}, true
	}
	e.event(EventDuplicate)
	return result{val: u.val, settled: true}, true
}
