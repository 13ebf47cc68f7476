package idempotency

import (
	"bytes"
	"encoding/json"
)

// Codec encodes the results that Do stores. The runtime may pass a codec
// generated per method; JSONCodec is the default.
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// JSONCodec is encoding/json. Results must survive a JSON round trip:
// exported fields only, no interface-typed fields that need their concrete
// type back, no NaN.
type JSONCodec struct{}

func (JSONCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (JSONCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// CanonicalJSON encodes v as JSON whose bytes depend only on its value:
// object keys sorted at every depth (struct fields too, so reordering a
// struct's fields keeps old fingerprints), numbers kept as written, no HTML
// escaping. Hashing it gives a fingerprint that is stable across processes.
//
// It is json.Marshal's output with the objects whose keys are out of order
// rebuilt and the strings that are escaped differently re-encoded; when
// there are none, which is the common case, it is json.Marshal's output.
func CanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return canonicalize(raw)
}

// canonicalDecode is the definition of the canonical form: raw decoded
// into plain Go values (numbers kept as text) and encoded again, which
// sorts object keys, keeps the last of duplicate keys, and escapes strings
// the way encoding/json does without HTML escaping. canonicalize agrees
// with it and is much cheaper; it falls back on it for what it does not
// handle itself.
func canonicalDecode(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return encodeNoHTML(tree)
}

// encodeNoHTML is json.Marshal without HTML escaping and without the
// Encoder's trailing newline.
func encodeNoHTML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps encode with sorted keys
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
