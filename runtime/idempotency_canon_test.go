package baldur_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	baldur "github.com/baldur-go/baldur/runtime"
)

// legacyCanonicalJSON is the canonical form as it was first written:
// json.Marshal's output decoded into plain values and encoded again.
// Stored fingerprints were made with it, so for every value it handled
// faithfully (strings of UTF-8, numbers as json.Marshal writes them)
// CanonicalJSON must keep its bytes.
func legacyCanonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	tree = canonicalNumbers(tree)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// canonicalNumbers writes every number of tree by its value, as
// referenceNumber does.
func canonicalNumbers(tree any) any {
	switch v := tree.(type) {
	case json.Number:
		return json.Number(referenceNumber(string(v)))
	case []any:
		for i := range v {
			v[i] = canonicalNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = canonicalNumbers(v[k])
		}
	}
	return tree
}

// referenceNumber is the canonical form of a JSON number, computed with
// exact rationals: the digits of its value without trailing zeros, written
// plainly for 1e-6 <= |v| < 1e21 and with an exponent otherwise, as
// encoding/json writes a float64.
func referenceNumber(lit string) string {
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		panic("not a number: " + lit)
	}
	if r.Sign() == 0 {
		return "0"
	}
	sign := ""
	if r.Sign() < 0 {
		sign = "-"
		r.Neg(r)
	}
	// r = n/d with d = 2^a·5^b; scale by 10^k, k = max(a, b), to an integer.
	k := 0
	for d := new(big.Int).Set(r.Denom()); d.Cmp(big.NewInt(1)) != 0; k++ {
		if new(big.Int).Mod(d, big.NewInt(10)).Sign() == 0 {
			d.Div(d, big.NewInt(10))
		} else if new(big.Int).Mod(d, big.NewInt(2)).Sign() == 0 {
			d.Div(d, big.NewInt(2))
		} else {
			d.Div(d, big.NewInt(5))
		}
	}
	n := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)))
	digits, exp := n.Num().String(), -k
	for strings.HasSuffix(digits, "0") {
		digits, exp = digits[:len(digits)-1], exp+1
	}
	sci := len(digits) - 1 + exp
	switch {
	case sci >= -6 && sci < 21 && exp >= 0:
		return sign + digits + strings.Repeat("0", exp)
	case sci >= -6 && sci < 21:
		if p := len(digits) + exp; p > 0 {
			return sign + digits[:p] + "." + digits[p:]
		}
		return sign + "0." + strings.Repeat("0", -(len(digits)+exp)) + digits
	}
	out := sign + digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	if sci >= 0 {
		return out + "e+" + strconv.Itoa(sci)
	}
	return out + "e" + strconv.Itoa(sci)
}

type zebra struct {
	Z     string            `json:"z"`
	A     []int             `json:"a"`
	M     map[string]string `json:"m,omitempty"`
	Inner *zebra            `json:"inner,omitempty"`
}

// raw lets a test hand CanonicalJSON any JSON a MarshalJSON method could
// write.
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

var (
	surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)
	hugeExponent    = regexp.MustCompile(`[eE][+-]?\d{4}`)
	longNumber      = regexp.MustCompile(`\d{200}`)
)

// faithful reports whether encoding/json's decoding keeps every string of
// the JSON text s: s's strings are UTF-8 and escape no surrogate.
func faithful(s string) bool {
	return utf8.ValidString(s) && !surrogateEscape.MatchString(s)
}

func sameAsLegacy(t *testing.T, v any) {
	t.Helper()
	marshalled, merr := json.Marshal(v)
	got, gerr := baldur.CanonicalJSON(v)
	if merr != nil {
		if gerr == nil {
			t.Fatalf("CanonicalJSON(%#v) = %s; json.Marshal fails with %v", v, got, merr)
		}
		return
	}
	want, werr := legacyCanonicalJSON(marshalled)
	if werr != nil || gerr != nil || !bytes.Equal(got, want) {
		t.Fatalf("CanonicalJSON(%#v) = %s, %v; the reference gives %s, %v", v, got, gerr, want, werr)
	}
}

// CanonicalJSON takes shortcuts through json.Marshal's output; every kind
// of departure from the canonical form must come out as the reference's.
func TestCanonicalJSONMatchesReference(t *testing.T) {
	deep := strings.Repeat("[", 1500) + strings.Repeat("]", 1500)
	for _, v := range []any{
		nil, true, 0, -1.5e-300, math.MaxInt64, uint64(math.MaxUint64), "", "plain", "<a href='x'>&</a>", "\u2028\u2029",
		"tab\there\b\f\r\n\x01\x1f\x7f", "caf\xc3\xa9", "\uFFFD", `quote " and \ backslash`,
		1e20, 1e21, 1e-6, 1e-7, 123.456, float32(0.1), 5e-324, math.MaxFloat64,
		struct{ B, A int }{2, 1}, struct{ A, B int }{1, 2}, struct{}{},
		zebra{Z: "z", A: []int{3, 1}, M: map[string]string{"b": "<", "a": "&", "<": ">"}, Inner: &zebra{Z: "y", A: nil}},
		map[string]any{"é": 1, "e": 2, "E": 3, "\u2028": 4, "<": []any{map[string]int{"y": 1, "x": 2}}},
		[]any{struct{ Y, X string }{"<", ">"}, map[string]int{}, []int{}},
		raw(`{"b":1,"a":2,"b":3}`), raw(`{"a":{"d":1,"c":2},"a":[1]}`), raw(`"\u0041\/\u00e9\ud83d\ude00"`),
		raw(`{"\u0062":1,"a":2}`), raw(`{"\n":1,"a":2}`), raw(`"\u001F\u001f\u0008\u000a\u007f"`), raw(`[1.0,1e2,-0,0.10,-0.0e+1,1E-7,12e20]`),
		raw(`{ "b" : 1 , "a" : [ 2 , 3 ] }`), raw(deep), raw(`{"k":` + deep + `}`), math.NaN(),
	} {
		sameAsLegacy(t, v)
	}
}

// What encoding/json's decoding cannot keep, the canonical form writes
// with escapes no UTF-8 text produces: a byte that is not UTF-8 as a lone
// low surrogate, an escaped lone surrogate as itself; a pair of escaped
// surrogates is the character they make.
func TestCanonicalJSONKeepsBytes(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{"bad \xff utf8", `"bad \udcff utf8"`},
		{"\xff\xfe", `"\udcff\udcfe"`},
		{"\xed\xa0\x80", `"\udced\udca0\udc80"`}, // a surrogate's UTF-8 bytes are not UTF-8
		{"\ufffd", "\"\ufffd\""},
		{map[string]int{"\xb7": 0, "a": 1}, `{"a":1,"\udcb7":0}`},
		{raw("\"\xb7\""), `"\udcb7"`},
		{raw(`"\ud800"`), `"\ud800"`},
		{raw(`"\uDFFF x"`), `"\udfff x"`},
		{raw(`"\ud83d\ude00"`), "\"\U0001F600\""},
		{raw("\"\\ud800\xff\""), "\"\U000100FF\""}, // a high surrogate then a byte that is not UTF-8: a pair
		{[]string{"\xff", "\ufffd"}, "[\"\\udcff\",\"\ufffd\"]"},
	} {
		got, err := baldur.CanonicalJSON(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("CanonicalJSON(%q) = %s, %v; want %s", c.v, got, err, c.want)
		}
	}
}

// A time.Time is written by its instant, in UTC, wherever it is.
func TestCanonicalJSONWritesTimesInUTC(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", -5*3600))
	type s struct {
		T  time.Time
		P  *time.Time
		L  []time.Time
		M  map[string]time.Time
		I  any
		u  time.Time // unexported: not encoded, not touched
		In struct{ T time.Time }
	}
	got, err := baldur.CanonicalJSON(s{T: at, P: &at, L: []time.Time{at}, M: map[string]time.Time{"k": at}, I: at, u: at, In: struct{ T time.Time }{at}})
	const utc = `"2026-01-02T08:04:05.000000006Z"`
	want := `{"I":` + utc + `,"In":{"T":` + utc + `},"L":[` + utc + `],"M":{"k":` + utc + `},"P":` + utc + `,"T":` + utc + `}`
	if err != nil || string(got) != want {
		t.Fatalf("CanonicalJSON = %s, %v; want %s", got, err, want)
	}
	if want := utc[1 : len(utc)-1]; at.Format(time.RFC3339Nano) == want {
		t.Fatal("the test's time is in UTC already")
	}
}

// Go's fuzzer feeds JSON documents that a MarshalJSON method might return:
// the canonical form is its own canonical form, is valid JSON, and agrees
// with the reference wherever encoding/json's decoding is faithful.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":2}`, `[{"z":"<"},"\u00e9"]`, `{"a":{"c":1,"b":2},"a":3}`, `"\ud83d\ude00"`, `-0.0e+1`, `"\ud800"`, "\"\xff\"", `[1E400]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) || hugeExponent.MatchString(s) || longNumber.MatchString(s) { // the reference's rationals are slow there
			return
		}
		got, err := baldur.CanonicalJSON(raw(s))
		if err != nil {
			t.Fatalf("CanonicalJSON(%q): %v", s, err)
		}
		if !json.Valid(got) {
			t.Fatalf("CanonicalJSON(%q) = %q: not JSON", s, got)
		}
		if again, err := baldur.CanonicalJSON(raw(got)); err != nil || !bytes.Equal(again, got) {
			t.Fatalf("CanonicalJSON(%q) = %q, but the canonical form of that is %q, %v", s, got, again, err)
		}
		if faithful(s) {
			if want, _ := legacyCanonicalJSON([]byte(s)); !bytes.Equal(got, want) {
				t.Fatalf("CanonicalJSON(%q) = %q; the reference gives %q", s, got, want)
			}
		}
	})
}

// json.Marshal writes every float in its canonical form already, so
// fingerprints of float arguments did not change when numbers became
// canonical by value.
func FuzzFloatsAreWrittenCanonically(f *testing.F) {
	for _, x := range []float64{0, 1, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123.456, 5e-324, math.MaxFloat64, 0.1} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		for _, v := range []any{x, float32(x)} {
			b, err := json.Marshal(v)
			if err != nil { // NaN, infinities
				return
			}
			if x != 0 && referenceNumber(string(b)) != string(b) {
				t.Fatalf("json.Marshal(%v) = %s, whose canonical form is %s", v, b, referenceNumber(string(b)))
			}
		}
	})
}
