package baldur

import "context"

// slotter hands out the memory of a flight and its runner: Idempotent's
// typedCall (see spareCall).
type slotter interface{ slot() (*flight, runner) }

// slotsOf is the slotter of Idempotent[R]; a single pointer, it converts
// to the interface without an allocation.
type slotsOf[R any] struct{ e *idemEngine }

func (s slotsOf[R]) slot() (*flight, runner) {
	tc := spareCall[R](s.e)
	return &tc.flight, tc
}

// look is prepare on a MemoryStore: it answers a call from a live finished
// record, or, for a caller that cannot be cancelled (whose call runs
// inline), claims a free key and publishes its flight in the same critical
// section, with one lookup instead of two. The engine's lock is taken
// while the store's is held only if it is free (TryLock), since the usual
// order is the engine's first; when it is busy, or the key is in flight,
// proceed takes over. A started flight is returned for its caller to fly.
func (e *idemEngine) look(ctx context.Context, c *prepared, r *idemRequest, res *result, slots slotter) (done bool) {
	s, key, now := e.mem, &c.key, &c.now
	s.mu.Lock()
	var k recKey
	var m map[string]*memEntry
	var name string
	if s.hashed {
		k = s.keyed(*key)
		m, name = s.table(k)
	} else { // as keyed and table would, without copying key
		m, name = key.space.entries, key.id
		if key.tenant != "" {
			name = key.local()
		}
	}
	ent := m[name]
	if ent != nil && ent.rec.State != RecordInFlight && ent.rec.Live(now.get()) {
		s.touch(ent)
		same, state, val, token, memo := s.sameArgs(ent, &r.args), ent.rec.State, ent.rec.Value, ent.rec.Token, ent.memo
		s.mu.Unlock()
		e.stored(res, key, same, state, val, token, memo)
		return true
	}
	if slots == nil || ctx.Done() != nil || ent != nil && ent.rec.Live(now.get()) || !e.mu.TryLock() {
		s.mu.Unlock()
		return false
	}
	local := key.local()
	if e.flights[local] != nil || len(e.unrecorded) > 0 {
		e.mu.Unlock()
		s.mu.Unlock()
		return false
	}
	if !s.hashed {
		k = *key
	}
	ent, err := s.claimIn(m, name, ent, k, now)
	var rec IdempotencyRecord
	if err == nil {
		rec, err = s.writeClaim(ent, IdempotencyRecord{State: RecordInFlight, Expires: e.leaseEndAt(now)}, &r.args)
	}
	s.mu.Unlock()
	if err != nil {
		e.mu.Unlock()
		res.err = e.storeErr("claim", err)
		return true
	}
	slot, run := slots.slot()
	f := newFlight(slot, ctx, *key, r.args, r.ttl, run, e.cfg.InFlight != InFlightWait, true, true)
	f.token, f.ent, f.leaseEnd = rec.Token, ent, rec.Expires
	e.flights[local], f.listed = f, true
	e.mu.Unlock()
	c.flight = f
	return false
}
