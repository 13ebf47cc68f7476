package baldur_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// referenceCanonicalJSON is CanonicalJSON as it was first written: decode
// json.Marshal's output into plain values and encode them again. Stored
// fingerprints were made with it, so CanonicalJSON must keep its bytes.
func referenceCanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func sameAsReference(t *testing.T, v any) {
	t.Helper()
	want, werr := referenceCanonicalJSON(v)
	got, gerr := baldur.CanonicalJSON(v)
	if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("CanonicalJSON(%#v) = %s, %v; the reference gives %s, %v", v, got, gerr, want, werr)
	}
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

// CanonicalJSON takes shortcuts through json.Marshal's output; every kind
// of departure from the canonical form must come out as the reference's.
func TestCanonicalJSONMatchesReference(t *testing.T) {
	deep := strings.Repeat("[", 1500) + strings.Repeat("]", 1500)
	for _, v := range []any{
		nil, true, 0, -1.5e-300, math.MaxInt64, "", "plain", "<a href='x'>&</a>", "\u2028\u2029", "tab\there\b\f\r\n\x01\x1f\x7f",
		"caf\xc3\xa9", "bad \xff utf8", "\xed\xa0\x80", "\uFFFD", `quote " and \ backslash`,
		struct{ B, A int }{2, 1}, struct{ A, B int }{1, 2}, struct{}{},
		zebra{Z: "z", A: []int{3, 1}, M: map[string]string{"b": "<", "a": "&", "<": ">"}, Inner: &zebra{Z: "\xff", A: nil}},
		map[string]any{"é": 1, "e": 2, "E": 3, "\u2028": 4, "<": []any{map[string]int{"y": 1, "x": 2}}},
		[]any{struct{ Y, X string }{"<", ">"}, map[string]int{}, []int{}},
		raw(`{"b":1,"a":2,"b":3}`), raw(`{"a":{"d":1,"c":2},"a":[1]}`), raw(`"\u0041\/\u00e9\ud83d\ude00\ud800"`),
		raw(`{"\u0062":1,"a":2}`), raw(`{"\n":1,"a":2}`), raw(`"\u001F\u001f\u0008\u000a\u007f"`), raw(`[1.0,1e2,-0,0.10]`),
		raw(`{ "b" : 1 , "a" : [ 2 , 3 ] }`), raw(deep), raw(`{"k":` + deep + `}`), math.NaN(),
	} {
		sameAsReference(t, v)
	}
}

// Go's fuzzer feeds JSON documents that a MarshalJSON method might return.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":2}`, `[{"z":"<"},"\u00e9"]`, `{"a":{"c":1,"b":2},"a":3}`, `"\ud83d\ude00"`, `-0.0e+1`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		sameAsReference(t, raw(s))
	})
}
