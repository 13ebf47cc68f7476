package baldur

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// canonicalJSON encodes v as JSON whose bytes depend only on its value:
// object keys sorted at every depth (struct fields too, so reordering a
// struct's fields keeps old fingerprints), numbers kept as written, no HTML
// escaping. Hashing it gives a fingerprint that is stable across processes.
//
// It is json.Marshal's output with the objects whose keys are out of order
// rebuilt and the strings that are escaped differently re-encoded; when
// there are none, which is the common case, it is json.Marshal's output.
func canonicalJSON(v any) ([]byte, error) {
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

// canonicalize turns raw, which json.Marshal wrote, into the canonical form
// that canonicalDecode defines, without decoding it into Go values: raw is
// compact and valid, and its only departures from the canonical form are
// struct fields in declaration order, HTML characters and invalid UTF-8
// escaped, and whatever a MarshalJSON method wrote. When there are none
// (generated argument structs of one field or with fields in key order,
// maps, slices, numbers, plain strings) raw is returned as it is. Input
// this code does not expect goes to canonicalDecode.
func canonicalize(raw []byte) ([]byte, error) {
	if end, ok := checkValue(raw, 0, 0); ok && end == len(raw) {
		return raw, nil
	}
	out, end, ok := rewriteValue(make([]byte, 0, len(raw)), raw, 0, 0)
	if ok && end == len(raw) {
		return out, nil
	}
	return canonicalDecode(raw)
}

// maxCanonDepth bounds the nesting canonicalize handles itself; deeper
// values go to canonicalDecode, which also enforces encoding/json's limit.
const maxCanonDepth = 1000

// checkValue reports whether the value at src[i:] is canonical, and where
// it ends. false also means "not sure".
func checkValue(src []byte, i, depth int) (int, bool) {
	if i >= len(src) || depth > maxCanonDepth {
		return 0, false
	}
	switch c := src[i]; {
	case c == '{':
		i++
		if i < len(src) && src[i] == '}' {
			return i + 1, true
		}
		var prev []byte
		for first := true; ; first = false {
			end, canonical, plain, ok := scanString(src, i)
			if !ok || !canonical || !plain {
				return 0, false
			}
			key := src[i+1 : end-1]
			if !first && bytes.Compare(prev, key) >= 0 { // out of order, or a duplicate
				return 0, false
			}
			prev = key
			if end >= len(src) || src[end] != ':' {
				return 0, false
			}
			if i, ok = checkValue(src, end+1, depth+1); !ok || i >= len(src) {
				return 0, false
			}
			switch src[i] {
			case ',':
				i++
			case '}':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '[':
		i++
		if i < len(src) && src[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = checkValue(src, i, depth+1); !ok || i >= len(src) {
				return 0, false
			}
			switch src[i] {
			case ',':
				i++
			case ']':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '"':
		end, canonical, _, ok := scanString(src, i)
		return end, ok && canonical
	default:
		end := scanScalar(src, i)
		return end, end > i
	}
}

// scanString reads the string token at src[i:]. canonical: encoding/json
// would write its value the same way without HTML escaping; plain: it has
// no escapes and is valid UTF-8, so its bytes are its value.
func scanString(src []byte, i int) (end int, canonical, plain, ok bool) {
	if i >= len(src) || src[i] != '"' {
		return 0, false, false, false
	}
	canonical, plain = true, true
	for j := i + 1; j < len(src); {
		c := src[j]
		switch {
		case c == '"':
			return j + 1, canonical, plain, true
		case c == '\\':
			plain = false
			if j+1 >= len(src) {
				return 0, false, false, false
			}
			switch src[j+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(src) {
					return 0, false, false, false
				}
				canonical = canonical && canonicalEscape(src[j+2:j+6])
				j += 6
			default:
				canonical = false
				j += 2
			}
		case c < 0x20:
			return 0, false, false, false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(src[j:])
			if r == utf8.RuneError && size == 1 {
				canonical, plain = false, false // decodes to U+FFFD, written \ufffd
			} else if r == '\u2028' || r == '\u2029' {
				canonical = false // written \u2028, \u2029
			}
			j += size
		}
	}
	return 0, false, false, false
}

// canonicalEscape reports whether \u followed by h is how encoding/json
// writes the character: control characters without a short form, and the
// two JavaScript line separators. HTML characters and \ufffd are not.
func canonicalEscape(h []byte) bool {
	const hexdigits = "0123456789abcdef"
	switch string(h) {
	case "2028", "2029":
		return true
	}
	if h[0] != '0' || h[1] != '0' || (h[2] != '0' && h[2] != '1') {
		return false
	}
	i := strings.IndexByte(hexdigits, h[3])
	if i < 0 {
		return false
	}
	switch b := (h[2]-'0')<<4 | byte(i); b {
	case '\b', '\f', '\n', '\r', '\t':
		return false
	}
	return true
}

// scanScalar returns the end of the number or literal at src[i:], or i
// when there is none.
func scanScalar(src []byte, i int) int {
	var lit string
	switch src[i] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit = "null"
	default:
		j := i
		for j < len(src) && isNumberByte(src[j]) {
			j++
		}
		return j
	}
	if !bytes.HasPrefix(src[i:], []byte(lit)) {
		return i
	}
	return i + len(lit)
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
