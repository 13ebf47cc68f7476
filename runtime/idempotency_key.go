package baldur

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"unicode"
	"unicode/utf8"
)

type tenantKey struct{}

// WithTenant scopes idempotency keys to tenant: the same key in two
// tenants is two operations, and one tenant never sees another's results.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// TenantFrom returns the tenant set by WithTenant, or "".
func TenantFrom(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

const storeKeyPrefix = "baldur-idempotency-v1"

// storeKey is the key a record is stored under: the hex sha256 of the
// namespace, tenant, policy and key, each length-prefixed so that no two
// tuples hash the same input. User text never reaches the store's key
// space, and its length is fixed. Stored records depend on it: it must not
// change (package storetest pins it).
func storeKey(namespace, tenant, policy, key string) string {
	// The hashed input is built on the stack when it fits, which it does
	// for keys of up to Stripe's 255 bytes and ordinary names.
	var stack [512]byte
	in := append(stack[:0], storeKeyPrefix...)
	for _, s := range [...]string{namespace, tenant, policy, key} {
		in = binary.AppendUvarint(in, uint64(len(s)))
		in = append(in, s...)
	}
	return hexSum(in)
}

// hexSum is the hex sha256 of b, with one allocation: the string.
func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// Fingerprints of the two argument encodings that need no hashing: a
// method whose only other argument is the context ("{}"), and a Call
// without arguments ("null").
var (
	fingerprintEmpty = hexSum([]byte("{}"))
	fingerprintNull  = hexSum([]byte("null"))
)

// fingerprint hashes the canonical encoding of the non-key arguments.
func fingerprint(args []byte) string {
	switch string(args) {
	case "{}":
		return fingerprintEmpty
	case "null":
		return fingerprintNull
	}
	return hexSum(args)
}

// validKey rejects keys that are too long or could forge log lines or
// terminal output wherever a caller prints them.
func validKey(key string, max int) bool {
	if max >= 0 && len(key) > max {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f {
			return false
		} else if c >= utf8.RuneSelf {
			return validKeyRunes(key[i:])
		}
	}
	return true
}

// validKeyRunes is validKey's check past the first non-ASCII byte.
func validKeyRunes(key string) bool {
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
