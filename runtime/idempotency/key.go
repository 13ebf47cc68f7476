package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"unicode"
	"unicode/utf8"
)

type tenantKey struct{}

// WithTenant returns a context whose calls are namespaced by tenant, so two
// tenants using the same business key never see each other's results.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// TenantFrom returns the tenant set by WithTenant, or "".
func TenantFrom(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

// StoreKey is the key a record is stored under: the hex sha256 of the
// namespace, tenant, policy and key, each length-prefixed so that no two
// tuples hash the same input. User text never reaches the store's key
// space, and its length is fixed.
func StoreKey(namespace, tenant, policy, key string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	h.Write([]byte("baldur-idempotency-v1"))
	for _, s := range [...]string{namespace, tenant, policy, key} {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fingerprint hashes the canonical encoding of the non-key arguments.
func fingerprint(args []byte) string {
	sum := sha256.Sum256(args)
	return hex.EncodeToString(sum[:])
}

// validKey rejects keys that are too long or could forge log lines or
// terminal output wherever a caller prints them.
func validKey(key string, max int) bool {
	if max >= 0 && len(key) > max {
		return false
	}
	if !utf8.ValidString(key) {
		return false
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
