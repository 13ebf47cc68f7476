package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// recordVersion is the first byte of every stored letter; a file written
// by a later version with another layout is refused, not misread.
const recordVersion = 1

// errCorrupt says a stored value does not decode; it never panics.
var errCorrupt = errors.New("boltstore: corrupt letter record")

// encode writes a letter as the letters bucket keeps it. Fields are
// written in key order, so equal letters encode to equal bytes.
func encode(l *baldur.StoredLetter) []byte {
	b := make([]byte, 0, 128+len(l.Body)+len(l.Err))
	b = append(b, recordVersion)
	for _, s := range []string{l.ID, l.Policy, l.Method, l.Key, l.Err, l.Reason, l.Signature, l.Token} {
		b = appendString(b, s)
	}
	keys := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(appendString(b, k), l.Fields[k])
	}
	b = binary.AppendVarint(b, int64(l.Attempts))
	b = binary.AppendVarint(b, int64(l.Replays))
	b = append(b, byte(l.State))
	for _, t := range []time.Time{l.Created, l.LastFailed, l.NextReplay, l.LeaseUntil} {
		b = appendTime(b, t)
	}
	return appendString(b, string(l.Body))
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendTime keeps seconds and nanoseconds, so a zero time stays zero and
// every instant round-trips exactly (in UTC).
func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

// decoder reads what encode wrote; its first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	if sec == zeroUnix && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

var zeroUnix = time.Time{}.Unix()

// decode reads a stored letter. The result shares no memory with v, which
// bbolt owns only for the life of its transaction.
func decode(v []byte) (baldur.StoredLetter, error) {
	if len(v) == 0 || v[0] != recordVersion {
		return baldur.StoredLetter{}, fmt.Errorf("%w (version %v)", errCorrupt, v[:min(len(v), 1)])
	}
	d := &decoder{b: v[1:]}
	var l baldur.StoredLetter
	for _, p := range []*string{&l.ID, &l.Policy, &l.Method, &l.Key, &l.Err, &l.Reason, &l.Signature, &l.Token} {
		*p = d.string()
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each field takes at least two bytes
		d.fail()
	}
	if n > 0 && d.err == nil {
		l.Fields = make(map[string]string, n)
		for range n {
			k := d.string()
			l.Fields[k] = d.string()
		}
	}
	l.Attempts, l.Replays = int(d.varint()), int(d.varint())
	if len(d.b) == 0 {
		d.fail()
	} else {
		l.State, d.b = baldur.LetterState(d.b[0]), d.b[1:]
	}
	for _, p := range []*time.Time{&l.Created, &l.LastFailed, &l.NextReplay, &l.LeaseUntil} {
		*p = d.time()
	}
	if body := d.bytes(); body != nil {
		l.Body = append([]byte(nil), body...)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	if d.err == nil && l.State != baldur.LetterPending && l.State != baldur.LetterParked {
		d.fail()
	}
	if d.err != nil {
		return baldur.StoredLetter{}, d.err
	}
	return l, nil
}

// timeKey is t as 12 bytes that sort as the instants do: seconds offset
// so that negative ones sort first, then nanoseconds.
func timeKey(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

func keyTime(k []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(k) ^ (1 << 63))
	if sec == zeroUnix && binary.BigEndian.Uint32(k[8:]) == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(binary.BigEndian.Uint32(k[8:]))).UTC()
}

const timeKeyLen = 12
