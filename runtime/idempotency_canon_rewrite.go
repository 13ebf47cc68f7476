package baldur

import (
	"bytes"
	"encoding/json"
	"slices"
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
				var key string
				if err := json.Unmarshal(src[i:end], &key); err != nil {
					return dst, 0, false
				}
				m.key = []byte(key)
			}
			if canonical {
				dst = append(dst, src[i:end]...)
			} else if dst, ok = appendCanonicalString(dst, string(m.key)); !ok {
				return dst, 0, false
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
		var s string
		if err := json.Unmarshal(src[i:end], &s); err != nil {
			return dst, 0, false
		}
		dst, ok = appendCanonicalString(dst, s)
		return dst, end, ok
	default:
		end := scanScalar(src, i)
		return append(dst, src[i:end]...), end, end > i
	}
}

// appendCanonicalString appends s as encoding/json writes it without HTML
// escaping. Only strings that were escaped otherwise come here.
func appendCanonicalString(dst []byte, s string) ([]byte, bool) {
	b, err := encodeNoHTML(s)
	if err != nil {
		return dst, false
	}
	return append(dst, b...), true
}
