package baldur_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// fingerprintPolicies are policies on the memory store, whose engine
// compares short arguments as bytes, and on a store it cannot see into,
// whose engine compares their sha256.
func fingerprintPolicies(t *testing.T) map[string]*baldur.Policy {
	return map[string]*baldur.Policy{
		"memory": idemPolicy(t, baldur.IdempotencyConfig{}),
		"remote": idemPolicy(t, baldur.IdempotencyConfig{}, baldur.WithIdempotencyStore(remote{newMemoryStore()})),
	}
}

// sameCall reports whether a call with args b, after one with args a
// under the same key, is answered as a duplicate (true) or refused with
// ErrKeyReused (false).
func sameCall(t *testing.T, p *baldur.Policy, key string, a, b any) bool {
	t.Helper()
	ctx, runs := context.Background(), 0
	run := func(context.Context) (int, error) { runs++; return runs, nil }
	if _, err := baldur.Idempotent(ctx, p, key, a, run); err != nil {
		t.Fatalf("%s: first call: %v", key, err)
	}
	v, err := baldur.Idempotent(ctx, p, key, b, run)
	switch {
	case err == nil && v == 1 && runs == 1:
		return true
	case errors.Is(err, baldur.ErrKeyReused) && runs == 1:
		return false
	}
	t.Fatalf("%s: second call got %d, %v after %d runs", key, v, err, runs)
	return false
}

type at struct{ At time.Time }

type omitted struct {
	A int
	B int `json:"-"`
}

type inner struct{ N int }

type embedding struct{ inner }

// Arguments that JSON calls equal are the same arguments: -0 and 0, the
// same instant in two time zones (in a field, behind a pointer, in a
// slice or a map), a number however a MarshalJSON method writes it.
// (-0 and the second zone used to be ErrKeyReused.)
func TestFingerprintsEqualWhatJSONCallsEqual(t *testing.T) {
	utc := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	paris := utc.In(time.FixedZone("CET", 3600))
	type floats struct{ X float64 }
	type ptr struct{ At *time.Time }
	cases := []struct {
		name string
		a, b any
	}{
		{"negative zero", floats{math.Copysign(0, -1)}, floats{0}},
		{"time zones", at{utc}, at{paris}},
		{"time zones behind a pointer", ptr{&utc}, ptr{&paris}},
		{"time zones in a slice", struct{ T []time.Time }{[]time.Time{utc}}, struct{ T []time.Time }{[]time.Time{paris}}},
		{"time zones in a map", map[string]time.Time{"a": utc}, map[string]time.Time{"a": paris}},
		{"time zones in an interface", struct{ V any }{utc}, struct{ V any }{paris}},
		{"1.0 and 1", raw(`{"n":1.0}`), raw(`{"n":1}`)},
		{"1E2 and 100", raw(`[1E2]`), raw(`[100]`)},
		{"escapes", raw(`"\u0041\/"`), raw(`"A/"`)},
		// The memory store compares plain arguments as Go values; not
		// those with a field that JSON leaves out.
		{"a field JSON leaves out", omitted{A: 1, B: 2}, omitted{A: 1, B: 3}},
		{"an embedded struct", embedding{inner{1}}, embedding{inner{1}}},
	}
	for name, p := range fingerprintPolicies(t) {
		for i, c := range cases {
			if !sameCall(t, p, fmt.Sprint("k", i), c.a, c.b) {
				t.Errorf("%s store, %s: %+v and %+v refused as other arguments", name, c.name, c.a, c.b)
			}
		}
	}
}

// Strings of distinct bytes are distinct arguments, also when they are not
// UTF-8. (encoding/json writes every such byte as \ufffd, so "\xff",
// "\xfe" and "\ufffd" used to be the same arguments.)
func TestFingerprintsKeepDistinctBytesDistinct(t *testing.T) {
	type s struct{ S string }
	cases := []struct {
		name string
		a, b any
	}{
		{`"\xff" and "\ufffd"`, s{"\xff"}, s{"\ufffd"}},
		{`"\xff" and "\xfe"`, s{"\xff"}, s{"\xfe"}},
		{`"a\xff" and "a"`, s{"a\xff"}, s{"a"}},
		{"map keys", map[string]int{"\xff": 1}, map[string]int{"\xfe": 1}},
		{"behind a pointer", &s{"\xff"}, &s{"\ufffd"}},
		{"times, then bytes", struct {
			At time.Time
			S  string
		}{time.Unix(0, 0), "\xff"}, struct {
			At time.Time
			S  string
		}{time.Unix(0, 0), "\xfe"}},
	}
	for name, p := range fingerprintPolicies(t) {
		for i, c := range cases {
			if sameCall(t, p, fmt.Sprint("k", i), c.a, c.b) {
				t.Errorf("%s store, %s: answered as the same arguments", name, c.name)
			}
		}
		// The same bytes are still the same arguments.
		if !sameCall(t, p, "same", s{"\xff\xfe"}, s{"\xff\xfe"}) {
			t.Errorf("%s store: the same bytes refused as other arguments", name)
		}
	}
}

// Arguments JSON cannot encode (NaN, ±Inf) are the caller's mistake: a
// typed error matching ErrCodec, nothing runs, and no fallback answers
// for it. (It used to reach the fallback.)
func TestUnencodableArgumentsAreACallerMistake(t *testing.T) {
	p := idemPolicy(t, baldur.IdempotencyConfig{})
	ctx := context.Background()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		runs := 0
		_, err := baldur.Idempotent(ctx, p, "k", struct{ X float64 }{v}, func(context.Context) (int, error) { runs++; return 1, nil })
		var ae *baldur.ArgumentsError
		if !errors.As(err, &ae) || !errors.Is(err, baldur.ErrCodec) || runs != 0 {
			t.Fatalf("%v: %v after %d runs, want an *ArgumentsError matching ErrCodec and no run", v, err, runs)
		}
		if p.ShouldFallback(ctx, nil, err) {
			t.Fatalf("%v: ShouldFallback(%v) = true; a caller's mistake must not reach the fallback", v, err)
		}
	}
}
