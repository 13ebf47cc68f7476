package baldur

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

type plainResult struct {
	R0 int64 `json:"r0"`
	R1 string
	R2 bool    `json:"ok"`
	R3 uint8   `json:"u"`
	R4 myInt   `json:"my"`
	R5 uintptr `json:"p"`
}

type myInt int

type taggedOptions struct {
	N int `json:"n,omitempty"`
}

type clashing struct {
	A int `json:"B"`
	B int
}

type withHidden struct {
	A int
	b int
}

type selfEncoded struct{ N int }

func (selfEncoded) MarshalJSON() ([]byte, error) { return []byte(`"self"`), nil }

type withTime struct{ At time.Time }

type empty struct{}

// Stored results are the bytes encoding/json writes, whichever way they
// were written: duplicates in other processes and readers of the store
// decode them.
func TestResultsEncodeAsEncodingJSONDoes(t *testing.T) {
	check := func(name string, got []byte, err error, v any) {
		t.Helper()
		want, werr := json.Marshal(v)
		if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
			t.Errorf("%s: %s, %v; encoding/json writes %s, %v", name, got, err, want, werr)
		}
	}
	for _, s := range []string{"", "plain text 123", "quote\"", `back\slash`, "<html>", "a&b", "tab\t", "ünï", "\u2028", "\x7f", string([]byte{0xff})} {
		v := plainResult{R0: math.MinInt64, R1: s, R2: true, R3: 255, R4: -7, R5: 1 << 40}
		b, err := encodeResult(v, nil)
		check("struct with "+s, b, err, v)
		b, err = encodeResult(s, nil)
		check("string "+s, b, err, s)
	}
	for _, v := range []int64{0, -1, math.MaxInt64} {
		b, err := encodeResult(v, nil)
		check("int64", b, err, v)
	}
	b, err := encodeResult(uint64(math.MaxUint64), nil)
	check("uint64", b, err, uint64(math.MaxUint64))
	b, err = encodeResult(false, nil)
	check("bool", b, err, false)
	b, err = encodeResult(taggedOptions{}, nil)
	check("omitempty", b, err, taggedOptions{})
	b, err = encodeResult(clashing{A: 1, B: 2}, nil)
	check("clashing names", b, err, clashing{A: 1, B: 2})
	b, err = encodeResult(withHidden{A: 1, b: 2}, nil)
	check("unexported field", b, err, withHidden{A: 1, b: 2})
	b, err = encodeResult(selfEncoded{N: 1}, nil)
	check("MarshalJSON", b, err, selfEncoded{N: 1})
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	b, err = encodeResult(withTime{At: at}, nil)
	check("time", b, err, withTime{At: at})
	b, err = encodeResult(empty{}, nil)
	check("empty struct", b, err, empty{})
	b, err = encodeResult(math.NaN(), nil)
	check("NaN", b, err, math.NaN())
	b, err = encodeResult([]int{1, 2}, nil)
	check("slice", b, err, []int{1, 2})
}
