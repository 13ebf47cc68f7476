package redisstore

import (
	"errors"
	"strconv"
	"strings"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// A record is stored as one string, so that SET ... GET can claim and read
// in one command: "1|state|expires-unix-ms|token|fingerprint|value". The
// header is ASCII (tokens and fingerprints never hold '|'), the value is
// raw bytes; the Lua scripts read the header with string.match.
const version = "1"

func encode(r baldur.IdempotencyRecord) string {
	var b strings.Builder
	b.Grow(len(r.Token) + len(r.Fingerprint) + len(r.Value) + 24)
	b.WriteString(version)
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(int(r.State)))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(r.Expires.UnixMilli(), 10))
	b.WriteByte('|')
	b.WriteString(r.Token)
	b.WriteByte('|')
	b.WriteString(r.Fingerprint)
	b.WriteByte('|')
	b.Write(r.Value)
	return b.String()
}

var errMalformed = errors.New("malformed idempotency record")

func decode(s string) (baldur.IdempotencyRecord, error) {
	f := strings.SplitN(s, "|", 6)
	if len(f) != 6 || f[0] != version {
		return baldur.IdempotencyRecord{}, errMalformed
	}
	state, err := strconv.Atoi(f[1])
	if err != nil || state < int(baldur.RecordInFlight) || state > int(baldur.RecordFailed) {
		return baldur.IdempotencyRecord{}, errMalformed
	}
	ms, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return baldur.IdempotencyRecord{}, errMalformed
	}
	r := baldur.IdempotencyRecord{State: baldur.RecordState(state), Token: f[3], Fingerprint: f[4], Expires: time.UnixMilli(ms)}
	if f[5] != "" {
		r.Value = []byte(f[5])
	}
	return r, nil
}
