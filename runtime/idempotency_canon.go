package baldur

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unicode/utf8"
)

// canonicalJSON encodes v as JSON whose bytes depend only on its value, for
// fingerprints that are stable across processes:
//
//   - object keys are sorted at every depth (struct fields too, so
//     reordering a struct's fields keeps old fingerprints), the last of
//     duplicate keys kept, no insignificant space, no HTML escaping;
//   - what JSON calls equal is written alike: numbers by their value (-0
//     is 0, 1.0 is 1, 1E2 is 100), strings in one escaping; a time.Time
//     by its instant, whatever its location;
//   - distinct strings stay distinct: a byte that is not UTF-8 is written
//     \udcXX (a lone surrogate, which no UTF-8 text produces) where
//     encoding/json would write \ufffd for every such byte alike.
//
// It is json.Marshal's output, rewritten only where it departs from that
// form: for the usual arguments (generated structs of one field or with
// fields in key order, maps, slices, integers, plain strings) it is
// json.Marshal's output.
func canonicalJSON(v any) ([]byte, error) {
	return canonicalShaped(v, v != nil && walkable(reflect.TypeOf(v), walkTimes))
}

// canonicalShaped is canonicalJSON for a v whose type is known to hold a
// time.Time (times) or not.
func canonicalShaped(v any, times bool) ([]byte, error) {
	if times {
		v = utcTimes(v)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(raw, []byte(`\ufffd`)) {
		// Perhaps a string that is not UTF-8, which json.Marshal wrote as
		// \ufffd: encode again, keeping its bytes.
		if raw, err = marshalKeepingBytes(v, raw); err != nil {
			return nil, err
		}
	}
	return canonicalize(raw)
}

// canonicalize turns raw, which json.Marshal wrote, into the canonical form
// without decoding it into Go values: raw is compact and valid, and its
// only departures from the canonical form are struct fields in declaration
// order, HTML characters escaped, numbers such as -0, and whatever a
// MarshalJSON method wrote. When there are none raw is returned as it is.
func canonicalize(raw []byte) ([]byte, error) {
	if end, ok := checkValue(raw, 0, 0); ok && end == len(raw) {
		return raw, nil
	}
	out, end, ok := rewriteValue(make([]byte, 0, len(raw)), raw, 0, 0)
	if !ok || end != len(raw) {
		return nil, &json.SyntaxError{Offset: int64(end)}
	}
	return out, nil
}

// maxCanonDepth is encoding/json's nesting limit: json.Marshal writes
// nothing deeper.
const maxCanonDepth = 10000

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
	case c == '-' || '0' <= c && c <= '9':
		end := scanScalar(src, i)
		return end, end > i && canonicalNumber(src[i:end])
	default:
		end := scanScalar(src, i)
		return end, end > i
	}
}

// scanString reads the string token at src[i:]. canonical: it is written
// as appendCanonicalString writes its value; plain: it has no escapes and
// is valid UTF-8, so its bytes are its value.
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
				r, ok := hex4(src, j+2)
				if !ok {
					return 0, false, false, false
				}
				lower := lowerHex(src[j+2 : j+6])
				switch {
				case isHighSurrogate(r):
					// With a low surrogate after it, a character: written raw.
					if r2, ok := hex4(src, j+8); ok && src[j+6] == '\\' && src[j+7] == 'u' && isLowSurrogate(r2) {
						canonical = false
					}
					canonical = canonical && lower
				case isLowSurrogate(r):
					canonical = canonical && lower // alone: a pair's half was seen with the high one
				default:
					canonical = canonical && lower && escapedRune(r)
				}
				j += 6
			default:
				canonical = false // \/
				j += 2
			}
		case c < 0x20:
			return 0, false, false, false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(src[j:])
			if r == utf8.RuneError && size == 1 {
				canonical, plain = false, false // a byte that is not UTF-8: written \udcXX
			} else if r == '\u2028' || r == '\u2029' {
				canonical = false // written \u2028, \u2029
			}
			j += size
		}
	}
	return 0, false, false, false
}

// escapedRune reports whether the canonical form writes r, which is not a
// surrogate, as a \u escape: control characters without a short form, and
// the two JavaScript line separators.
func escapedRune(r rune) bool {
	switch r {
	case '\b', '\f', '\n', '\r', '\t':
		return false
	case '\u2028', '\u2029':
		return true
	}
	return r < 0x20
}

func isHighSurrogate(r rune) bool { return 0xd800 <= r && r < 0xdc00 }
func isLowSurrogate(r rune) bool  { return 0xdc00 <= r && r < 0xe000 }

// hex4 reads the four hex digits at src[i:].
func hex4(src []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range src[i : i+4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func lowerHex(h []byte) bool {
	for _, c := range h {
		if 'A' <= c && c <= 'F' {
			return false
		}
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
