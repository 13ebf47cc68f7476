package storetest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// StoreKey is the key the runtime stores a record under, written out here
// from its documented definition rather than taken from the runtime:
// records already stored depend on it, so a runtime that changed it would
// orphan them, and this suite fails then. It is the hex sha256 of
// "baldur-idempotency-v1" followed by the namespace, tenant, policy and key,
// each prefixed with its length as a uvarint. Store tests use it to find
// the record of a call.
func StoreKey(namespace, tenant, policy, key string) string {
	in := []byte("baldur-idempotency-v1")
	for _, s := range []string{namespace, tenant, policy, key} {
		in = binary.AppendUvarint(in, uint64(len(s)))
		in = append(in, s...)
	}
	return sha256Hex(in)
}

// fingerprint is the sha256 of the canonical JSON of the arguments other
// than the key, which the suite writes out (canonical: object keys sorted,
// no insignificant space).
func fingerprint(canonical string) string { return sha256Hex([]byte(canonical)) }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chargeKey is the key of order orderID under policy charge-customer,
// without namespace or tenant.
func chargeKey(orderID string) string { return StoreKey("", "", "charge-customer", orderID) }
