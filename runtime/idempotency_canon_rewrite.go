package baldur

import (
	"bytes"
	"slices"
	"strconv"
	"unicode/utf8"
)

// member is one "key":value of an object being rebuilt, written at
// buf[start:end]; key is its key's value.
type member struct {
	key        []byte
	start, end int
}

// rewriteValue appends the canonical form of the value at src[i:] to dst.
func rewriteValue(dst, src []byte, i, depth int) ([]byte, int, bool) {
	if i >= len(src) || depth > maxCanonDepth {
		return dst, 0, false
	}
	switch c := src[i]; {
	case c == '{':
		i++
		open := len(dst)
		dst = append(dst, '{')
		if i < len(src) && src[i] == '}' {
			return append(dst, '}'), i + 1, true
		}
		members := make([]member, 0, 8)
		for {
			end, canonical, plain, ok := scanString(src, i)
			if !ok || end >= len(src) || src[end] != ':' {
				return dst, 0, false
			}
			m := member{start: len(dst), key: src[i+1 : end-1]}
			if !plain {
				m.key = decodeString(src[i+1 : end-1])
			}
			if canonical {
				dst = append(dst, src[i:end]...)
			} else {
				dst = appendCanonicalString(dst, m.key)
			}
			dst = append(dst, ':')
			if dst, i, ok = rewriteValue(dst, src, end+1, depth+1); !ok || i >= len(src) {
				return dst, 0, false
			}
			m.end = len(dst)
			members = append(members, m)
			if src[i] == '}' {
				i++
				break
			}
			if src[i] != ',' {
				return dst, 0, false
			}
			i++
		}
		// Sort by key, keeping the last of equal keys as decoding into a
		// map does, and write the members again in that order.
		body := bytes.Clone(dst[open+1:])
		for k := range members {
			members[k].start -= open + 1
			members[k].end -= open + 1
		}
		slices.SortStableFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
		dst = dst[:open+1]
		for k, m := range members {
			if k+1 < len(members) && bytes.Equal(members[k+1].key, m.key) {
				continue
			}
			if len(dst) > open+1 {
				dst = append(dst, ',')
			}
			dst = append(dst, body[m.start:m.end]...)
		}
		return append(dst, '}'), i, true
	case c == '[':
		i++
		dst = append(dst, '[')
		if i < len(src) && src[i] == ']' {
			return append(dst, ']'), i + 1, true
		}
		for {
			var ok bool
			if dst, i, ok = rewriteValue(dst, src, i, depth+1); !ok || i >= len(src) {
				return dst, 0, false
			}
			dst = append(dst, src[i])
			switch src[i] {
			case ',':
				i++
			case ']':
				return dst, i + 1, true
			default:
				return dst, 0, false
			}
		}
	case c == '"':
		end, canonical, _, ok := scanString(src, i)
		if !ok {
			return dst, 0, false
		}
		if canonical {
			return append(dst, src[i:end]...), end, true
		}
		return appendCanonicalString(dst, decodeString(src[i+1:end-1])), end, true
	case c == '-' || '0' <= c && c <= '9':
		end := scanScalar(src, i)
		n, ok := appendCanonicalNumber(dst, src[i:end])
		return n, end, ok
	default:
		end := scanScalar(src, i)
		return append(dst, src[i:end]...), end, end > i
	}
}

// decodeString returns the value of the JSON string body s (between its
// quotes, valid as scanString checked) as WTF-8: UTF-8 that may also hold
// lone surrogates, written as UTF-8 would write them (0xED 0xA0-0xBF
// 0x80-0xBF). An escaped surrogate without its pair stays one, and so does
// a byte that is not UTF-8: byte b becomes the lone surrogate U+DC00+b,
// which no UTF-8 text decodes to, so distinct strings stay distinct.
func decodeString(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, _ := hex4(s, i+2)
				out = appendWTF8(out, r) // a pair joins here
				i += 6
				continue
			default: // '"', '\\', '/'
				out = append(out, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = appendWTF8(out, 0xdc00+rune(c))
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

// appendWTF8 appends r, which may be a surrogate, in UTF-8's three-byte
// form. A low surrogate right after a high one makes a pair with it, as a
// decoder reading the two escapes would: the canonical form of a string is
// then also its own canonical form.
func appendWTF8(dst []byte, r rune) []byte {
	if !isHighSurrogate(r) && !isLowSurrogate(r) {
		return utf8.AppendRune(dst, r)
	}
	if n := len(dst); isLowSurrogate(r) && n >= 3 && dst[n-3] == 0xed && 0xa0 <= dst[n-2] && dst[n-2] < 0xb0 {
		hi := rune(dst[n-3]&0x0f)<<12 | rune(dst[n-2]&0x3f)<<6 | rune(dst[n-1]&0x3f)
		return utf8.AppendRune(dst[:n-3], 0x10000+(hi-0xd800)<<10+(r-0xdc00))
	}
	return append(dst, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
}

// wtf8Of is s as decodeString would give it: each byte that is not UTF-8
// becomes the lone surrogate U+DC00+byte.
func wtf8Of(s string) []byte {
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = appendWTF8(out, 0xdc00+rune(s[i]))
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return out
}

// appendCanonicalString appends the WTF-8 string s as the canonical form
// writes it: as encoding/json does without HTML escaping, and lone
// surrogates as lowercase \u escapes.
func appendCanonicalString(dst, s []byte) []byte {
	const hexdigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexdigits[c>>4], hexdigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		if c == 0xed && i+2 < len(s) && s[i+1] >= 0xa0 { // a lone surrogate
			r := rune(c&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
			dst = append(dst, '\\', 'u', hexdigits[r>>12], hexdigits[r>>8&0xf], hexdigits[r>>4&0xf], hexdigits[r&0xf])
			i += 3
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, '\\', 'u', '2', '0', '2', hexdigits[r&0xf])
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// canonicalNumber reports whether the JSON number lit is written in its
// canonical form. Integers short enough to be written out are, except -0.
func canonicalNumber(lit []byte) bool {
	digits := lit
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 21 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			n, ok := appendCanonicalNumber(nil, lit)
			return ok && bytes.Equal(n, lit)
		}
	}
	return digits[0] != '0' || len(lit) == 1 // "0", not "-0"
}

// appendCanonicalNumber appends the JSON number lit in the canonical form:
// its exact decimal value written as encoding/json writes a float64,
// plainly when 1e-6 <= |v| < 1e21 and in exponent form otherwise, with no
// trailing zeros, no plus sign before the mantissa, and 0 for -0. Two
// numbers of the same value, however written, come out alike; two
// different values never do, since no digit is rounded away.
func appendCanonicalNumber(dst, lit []byte) ([]byte, bool) {
	i, neg := 0, false
	if i < len(lit) && lit[i] == '-' {
		neg, i = true, i+1
	}
	start := i
	for i < len(lit) && '0' <= lit[i] && lit[i] <= '9' {
		i++
	}
	if i == start {
		return dst, false
	}
	digits := append(make([]byte, 0, 32), lit[start:i]...)
	exp := 0
	if i < len(lit) && lit[i] == '.' {
		i++
		f := i
		for i < len(lit) && '0' <= lit[i] && lit[i] <= '9' {
			i++
		}
		if i == f {
			return dst, false
		}
		digits = append(digits, lit[f:i]...)
		exp -= i - f
	}
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		i++
		eneg := false
		if i < len(lit) && (lit[i] == '+' || lit[i] == '-') {
			eneg, i = lit[i] == '-', i+1
		}
		e, f := 0, i
		for i < len(lit) && '0' <= lit[i] && lit[i] <= '9' {
			if e < 1<<40 { // saturate: such a value is written with this bound
				e = e*10 + int(lit[i]-'0')
			}
			i++
		}
		if i == f {
			return dst, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(lit) {
		return dst, false
	}
	// value = digits × 10^exp; drop leading and trailing zeros.
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return append(dst, '0'), true
	}
	for digits[len(digits)-1] == '0' {
		digits, exp = digits[:len(digits)-1], exp+1
	}
	if neg {
		dst = append(dst, '-')
	}
	sci := len(digits) - 1 + exp // the exponent of the leading digit
	switch {
	case sci >= -6 && sci < 21 && exp >= 0:
		dst = append(dst, digits...)
		dst = append(dst, bytes.Repeat([]byte{'0'}, exp)...)
	case sci >= -6 && sci < 21:
		point := len(digits) + exp
		if point > 0 {
			dst = append(dst, digits[:point]...)
			dst = append(dst, '.')
			dst = append(dst, digits[point:]...)
		} else {
			dst = append(dst, '0', '.')
			dst = append(dst, bytes.Repeat([]byte{'0'}, -point)...)
			dst = append(dst, digits...)
		}
	default:
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if sci >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(sci), 10)
	}
	return dst, true
}
