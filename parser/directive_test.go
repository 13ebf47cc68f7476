package parser

import (
	"go/token"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var at = token.Position{Filename: "f.go", Line: 3, Column: 2, Offset: 10}

func pos(col int) token.Position {
	p := at
	p.Column += col
	p.Offset += col
	return p
}

func TestParseDirective(t *testing.T) {
	tests := []struct {
		text string
		want *directive
	}{
		{"//baldur:protected", &directive{Verb: "protected", Pos: at}},
		{"//baldur:skip", &directive{Verb: "skip", Pos: at}},
		{"//baldur:protected retry", &directive{Verb: "protected", Pos: at, Args: []directiveArg{
			{Key: "retry", KeyPos: pos(19)},
		}}},
		{"//baldur:protected  name=charge-customer\tretry=3 breaker", &directive{Verb: "protected", Pos: at, Args: []directiveArg{
			{Key: "name", KeyPos: pos(20), HasValue: true, Value: "charge-customer", ValuePos: pos(25)},
			{Key: "retry", KeyPos: pos(41), HasValue: true, Value: "3", ValuePos: pos(47)},
			{Key: "breaker", KeyPos: pos(49)},
		}}},
		{`//baldur:protected retry_on="ErrA, io.EOF" fallback=f`, &directive{Verb: "protected", Pos: at, Args: []directiveArg{
			{Key: "retry_on", KeyPos: pos(19), HasValue: true, Quoted: true, Value: "ErrA, io.EOF", ValuePos: pos(28)},
			{Key: "fallback", KeyPos: pos(43), HasValue: true, Value: "f", ValuePos: pos(52)},
		}}},
		{"//baldur:protected name=`raw \\n`", &directive{Verb: "protected", Pos: at, Args: []directiveArg{
			{Key: "name", KeyPos: pos(19), HasValue: true, Quoted: true, Value: `raw \n`, ValuePos: pos(24)},
		}}},
		{`//baldur:protected name="a\"b"`, &directive{Verb: "protected", Pos: at, Args: []directiveArg{
			{Key: "name", KeyPos: pos(19), HasValue: true, Quoted: true, Value: `a"b`, ValuePos: pos(24)},
		}}},
		{"//baldur:protected retry ", &directive{Verb: "protected", Pos: at, Args: []directiveArg{{Key: "retry", KeyPos: pos(19)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, diags := parseDirective(tt.text, at)
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics: %v", diags)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDirectiveErrors(t *testing.T) {
	tests := []struct {
		text string
		col  int // column of the error, relative to the comment
		msg  string
	}{
		{"//baldur:retry(max_attempts=3", 9, `unknown directive "//baldur:retry(max_attempts=3"; baldur has //baldur:protected and //baldur:skip (write //baldur:protected retry)`},
		{"//baldur:protectd", 9, `(did you mean "protected"?)`},
		{"//baldur:retyr", 9, `(did you mean //baldur:protected retry?)`},
		{"//baldur:", 9, `unknown directive "//baldur:"`},
		{"// baldur:protected retry", 0, "no space after //"},
		{"//baldur:protected(retry)", 18, `unexpected '(' after //baldur:protected`},
		{"//baldur:protected retry=", 25, "missing value after retry="},
		{"//baldur:protected retry= breaker", 25, "missing value after retry="},
		{`//baldur:protected name="open`, 24, "unterminated quoted value for name"},
		{"//baldur:protected name=`open", 24, "unterminated quoted value for name"},
		{`//baldur:protected name="a"b`, 27, `unexpected 'b' after quoted value`},
		{`//baldur:protected name=a"b"`, 25, "unexpected quote inside the value of name"},
		{`//baldur:protected name="\q"`, 24, "bad quoted value for name"},
		{"//baldur:protected Retry", 19, `expected key or key=value, found "Retry"`},
		{"//baldur:protected re-try", 21, `unexpected '-' in key "re"`},
		{"//baldur:protected =3", 19, `expected key or key=value, found "=3"`},
		{"//baldur:skip retry", 14, "//baldur:skip takes no arguments"},
		{"//baldur:protected name=\xff", 24, "not valid UTF-8"},
		{"/*baldur:protected retry*/", 0, "baldur directives are line comments, written //baldur:verb; a /* */ comment is not read as one"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			d, diags := parseDirective(tt.text, at)
			if d != nil || len(diags) != 1 {
				t.Fatalf("got %v, %v; want one diagnostic", d, diags)
			}
			if diags[0].Pos != pos(tt.col) {
				t.Errorf("position %v, want column %d", diags[0].Pos, pos(tt.col).Column)
			}
			if !strings.Contains(diags[0].Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", diags[0].Msg, tt.msg)
			}
		})
	}
}

func TestIsDirective(t *testing.T) {
	for text, want := range map[string]bool{
		"//baldur:protected":               true,
		"//baldur:anything":                true,
		"// baldur:protected retry":        true,
		"//\tbaldur:skip":                  true,
		"// baldur: the god":               false,
		"// Baldur protects this":          false,
		"/* baldur:protected */":           true,
		"/*baldur:skip*/":                  true,
		"/*\n\tbaldur:protected retry\n*/": true,
		"/* about baldur:protected */":     false,
		"//go:generate baldurgen":          false,
	} {
		if got := isDirective(text); got != want {
			t.Errorf("isDirective(%q) = %v, want %v", text, got, want)
		}
	}
}
