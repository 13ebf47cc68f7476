package baldur

import (
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
	key     recKey
	args    callArgs
	val     []byte
	expires time.Time     // when the record would have expired
	elem    *list.Element // in idemEngine.unrecordedOrder
}

// keepUnrecorded keeps f's result val for ttl, as long as its record
// would have lived.
func (e *idemEngine) keepUnrecorded(f *flight, val []byte, ttl time.Duration) {
	expires := e.now().Add(ttl)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.unrecorded == nil {
		e.unrecorded = make(map[string]*unrecorded)
	}
	e.dropUnrecordedLocked(f.key)
	u := &unrecorded{key: f.key, args: f.args, val: val, expires: expires}
	u.elem = e.unrecordedOrder.PushBack(u)
	e.unrecorded[f.key.local()] = u
	for len(e.unrecorded) > maxUnrecorded {
		e.dropUnrecordedLocked(e.unrecordedOrder.Front().Value.(*unrecorded).key)
	}
}

func (e *idemEngine) dropUnrecordedLocked(key recKey) {
	if u := e.unrecorded[key.local()]; u != nil {
		e.unrecordedOrder.Remove(u.elem)
		delete(e.unrecorded, key.local())
	}
}

// unrecordedLocked answers a duplicate of key with args from a result kept
// by keepUnrecorded, if there is one. Called with e.mu held.
func (e *idemEngine) unrecordedLocked(key recKey, args *callArgs) (result, bool) {
	u := e.unrecorded[key.local()]
	if u == nil {
		return result{}, false
	}
	if !u.expires.After(e.now()) {
		e.dropUnrecordedLocked(key)
		return result{}, false
	}
	if !u.args.same(args) {
		e.event(EventKeyReused)
		return result{err: ErrKeyReused, settled: true}, true
	}
	e.event(EventDuplicate)
	return result{val: u.val, settled: true}, true
}
