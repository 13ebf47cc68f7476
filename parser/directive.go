package parser

import (
	"go/token"
	"strconv"
	"strings"
	"unicode/utf8"
)

// directivePrefix starts every baldur directive. Like //go: directives it has no
// space after the slashes.
const directivePrefix = "//baldur:"

// Verbs of a directive.
const (
	verbProtected = "protected"
	verbSkip      = "skip"
)

// directive is one //baldur: comment.
type directive struct {
	Verb string
	Pos  token.Position // of the leading "//"
	Args []directiveArg
}

// directiveArg is one `key` or `key=value` token of a directive.
type directiveArg struct {
	Key      string
	KeyPos   token.Position
	HasValue bool
	Quoted   bool
	Value    string // unquoted
	ValuePos token.Position
}

// isDirective reports whether a comment's text is meant as a baldur
// directive, including the spellings "// baldur:protected" and
// "/*baldur:protected*/" that Go would treat as prose and that would
// otherwise be silently ignored.
func isDirective(text string) bool {
	if strings.HasPrefix(text, directivePrefix) {
		return true
	}
	rest, ok := strings.CutPrefix(text, "//")
	if !ok {
		rest, ok = strings.CutPrefix(text, "/*")
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	return ok && (strings.HasPrefix(rest, "baldur:"+verbProtected) || strings.HasPrefix(rest, "baldur:"+verbSkip))
}

// parseDirective parses the text of one comment, as go/ast gives it (with
// the leading //), found at pos.
func parseDirective(text string, pos token.Position) (*directive, Diagnostics) {
	s := &scanner{text: text, base: pos}
	d := &directive{Pos: pos}
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		s.errorf(i, "directive is not valid UTF-8")
		return nil, s.diags
	}
	if strings.HasPrefix(text, "/*") {
		s.errorf(0, "baldur directives are line comments, written %sverb; a /* */ comment is not read as one", directivePrefix)
		return nil, s.diags
	}
	if !strings.HasPrefix(text, directivePrefix) {
		s.errorf(0, "baldur directives are written %sverb, with no space after //", directivePrefix)
		return nil, s.diags
	}
	s.i = len(directivePrefix)
	start := s.i
	for s.i < len(text) && isKeyByte(text[s.i], s.i > start) {
		s.i++
	}
	d.Verb = text[start:s.i]
	switch d.Verb {
	case verbProtected, verbSkip:
	default:
		msg := "unknown directive " + strconv.Quote(directivePrefix+text[start:s.word()]) + "; baldur has //baldur:protected and //baldur:skip"
		if _, ok := keys[d.Verb]; ok {
			msg += " (write //baldur:protected " + d.Verb + ")"
		} else if v, ok := nearest(d.Verb, []string{verbProtected, verbSkip}); ok {
			msg += ` (did you mean "` + v + `"?)`
		} else if k, ok := nearest(d.Verb, validKeys); ok {
			msg += " (did you mean //baldur:protected " + k + "?)"
		}
		s.errorf(start, "%s", msg)
		return nil, s.diags
	}
	if s.i < len(text) && !isSpace(text[s.i]) {
		s.errorf(s.i, "unexpected %q after %s%s; expected a space and key or key=value", text[s.i], directivePrefix, d.Verb)
		return nil, s.diags
	}
	for {
		s.skipSpace()
		if s.i >= len(text) {
			break
		}
		a, ok := s.arg()
		if !ok {
			break // one error per directive: after a broken token the rest is noise
		}
		d.Args = append(d.Args, a)
	}
	if d.Verb == verbSkip && len(d.Args) > 0 {
		s.errorf(d.Args[0].KeyPos.Column-pos.Column, "//baldur:skip takes no arguments")
	}
	if len(s.diags) > 0 {
		return nil, s.diags
	}
	return d, nil
}

type scanner struct {
	text  string
	i     int
	base  token.Position
	diags Diagnostics
}

func (s *scanner) pos(i int) token.Position {
	p := s.base
	p.Offset += i
	p.Column += i
	return p
}

func (s *scanner) errorf(i int, format string, args ...any) {
	s.diags.add(s.pos(i), format, args...)
}

func (s *scanner) skipSpace() {
	for s.i < len(s.text) && isSpace(s.text[s.i]) {
		s.i++
	}
}

// word is the end of the whitespace-delimited word at s.i.
func (s *scanner) word() int {
	j := s.i
	for j < len(s.text) && !isSpace(s.text[j]) {
		j++
	}
	return j
}

func (s *scanner) arg() (directiveArg, bool) {
	start := s.i
	for s.i < len(s.text) && isKeyByte(s.text[s.i], s.i > start) {
		s.i++
	}
	a := directiveArg{Key: s.text[start:s.i], KeyPos: s.pos(start)}
	if a.Key == "" {
		s.errorf(s.i, "expected key or key=value, found %q", s.text[s.i:s.word()])
		return a, false
	}
	if s.i >= len(s.text) || isSpace(s.text[s.i]) {
		return a, true
	}
	if s.text[s.i] != '=' {
		s.errorf(s.i, "unexpected %q in key %q; expected key or key=value", s.text[s.i], a.Key)
		return a, false
	}
	s.i++
	a.HasValue, a.ValuePos = true, s.pos(s.i)
	if s.i >= len(s.text) || isSpace(s.text[s.i]) {
		s.errorf(s.i, "missing value after %s=", a.Key)
		return a, false
	}
	switch q := s.text[s.i]; q {
	case '"', '`':
		end := s.closingQuote(q)
		if end < 0 {
			s.errorf(s.i, "unterminated quoted value for %s", a.Key)
			return a, false
		}
		v, err := strconv.Unquote(s.text[s.i : end+1])
		if err != nil {
			s.errorf(s.i, "bad quoted value for %s: %v", a.Key, err)
			return a, false
		}
		a.Value, a.Quoted, s.i = v, true, end+1
		if s.i < len(s.text) && !isSpace(s.text[s.i]) {
			s.errorf(s.i, "unexpected %q after quoted value; separate arguments with spaces", s.text[s.i])
			return a, false
		}
	default:
		end := s.word()
		if j := strings.IndexAny(s.text[s.i:end], "\"`"); j >= 0 {
			s.errorf(s.i+j, "unexpected quote inside the value of %s; quote the whole value", a.Key)
			return a, false
		}
		a.Value, s.i = s.text[s.i:end], end
	}
	return a, true
}

// closingQuote finds the quote that ends the string starting at s.i.
func (s *scanner) closingQuote(q byte) int {
	for j := s.i + 1; j < len(s.text); j++ {
		switch s.text[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q:
			return j
		}
	}
	return -1
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' }

func isKeyByte(b byte, notFirst bool) bool {
	return b >= 'a' && b <= 'z' || b == '_' || notFirst && b >= '0' && b <= '9'
}
