// Package idempotency runs a side effect once per business key while the
// key's record lives, across goroutines, engines and processes that share
// a Store, and hands every duplicate the first call's result.
//
// It owns the record life cycle (claim → in flight → completed, failed or
// released), the Store contract, and MemoryStore, the bounded default
// store. Stores that need a driver live in runtime/store/...; package
// storetest checks any Store against the contract.
//
// # Two layers
//
// Engine.Execute is the core and works on bytes: the caller passes the
// canonical encoding of the non-key arguments and a run function that
// returns the encoded result. Engine.Do, for generated code, adds the
// encoding: it fingerprints Call.Args with CanonicalJSON and stores
// Call.Result through the engine's Codec (JSON by default).
//
// # Semantics
//
// The store key is StoreKey(Config.Namespace, TenantFrom(ctx), policy, key),
// a sha256, so operations and tenants never share records and user text
// never reaches the store. The first caller claims the key with a lease
// (Config.Lease) and a random token and runs; a heartbeat renews the lease
// while it runs. A result, or a failure that Config.IsPermanent accepts, is
// stored until Config.TTL; other failures release the key so the next
// attempt runs again. A concurrent duplicate waits for the outcome (local
// duplicates on the local call, remote ones by polling the store) unless
// Config.InFlightWait says otherwise; a later duplicate gets the stored
// result; a duplicate with other arguments gets ErrKeyReused. A key whose
// owner died is taken over when its lease ends by exactly one caller, and
// the old owner's writes are fenced off by the token (ErrLeaseLost).
//
// The inner call runs on its own goroutine, on a context that keeps the
// first caller's values but is cancelled only when every local caller has
// stopped waiting: the first caller's cancellation returns at once for
// that caller, does not hand context.Canceled to the others, and does not
// free the key while the call still runs.
//
// # Stores in this process
//
// A LocalStore, such as the default MemoryStore, dies with the process, so
// the engine spares it what only a store elsewhere needs: no timeout per
// operation, no heartbeat (a claim holds the key for as long as the call
// runs), tokens from math/rand/v2, and the claim made on the caller's
// goroutine, so a stored result is answered without a goroutine. On a
// MemoryStore the engine also reads and writes records without copying
// their values, compares small arguments without hashing them, and Do keeps
// a result decoded beside its bytes when a copy of it shares nothing
// writable; every duplicate still gets a value of its own.

// # Wiring
//
// The runtime builds an Engine per idempotent policy (they may share one
// Store) and the generated decorator calls Do, with the method's results
// as one struct:
//
//	type chargeResults struct{ R0 Receipt }
//	res, err := idempotency.Do(ctx, engine, idempotency.Call{
//		Policy: "charge-customer", Key: orderID, Args: chargeArgs{Amount: amount},
//	}, func(ctx context.Context) (chargeResults, error) {
//		var r chargeResults
//		err := policy.Do(ctx, func(ctx context.Context) error {
//			var err error
//			r.R0, err = next.Charge(ctx, orderID, amount)
//			return err
//		})
//		return r, err
//	})
//	return res.R0, err
//
// This is at-least-once, not exactly-once: if the process dies after the
// side effect and before the record is written, the call runs again once
// the lease ends. Downstream systems should accept the key as well.
//
// The package imports only the standard library.
package idempotency
