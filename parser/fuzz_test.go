package parser

import (
	"go/token"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseDirective checks that the grammar never panics, reports errors
// inside the comment, and that every accepted directive survives a round
// trip: printed back with quoted values, it parses to the same arguments.
// The seed corpus is in testdata/fuzz/FuzzParseDirective.
func FuzzParseDirective(f *testing.F) {
	for _, s := range []string{
		"//baldur:protected name=charge-customer retry idempotency_key=orderID fallback=queuedCharge dlq",
		`//baldur:protected retry_on="ErrA, io.EOF" timeout=1m30s breaker=gateway`,
		"//baldur:skip",
		"//baldur:protected name=`raw`",
		`//baldur:protected name="x\"); os.Exit(1) //"`,
		"//baldur:retry(max_attempts=3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, diags := parseDirective(text, at)
		if d == nil {
			if len(diags) == 0 {
				t.Fatal("rejected without a diagnostic")
			}
			for _, diag := range diags {
				if off := diag.Pos.Offset - at.Offset; off < 0 || off > len(text) {
					t.Fatalf("diagnostic at offset %d outside the %d-byte comment: %v", off, len(text), diag)
				}
			}
			return
		}
		if len(diags) > 0 {
			t.Fatalf("accepted with diagnostics %v", diags)
		}
		if !utf8.ValidString(text) {
			t.Fatal("accepted invalid UTF-8")
		}
		var b strings.Builder
		b.WriteString(directivePrefix + d.Verb)
		for _, a := range d.Args {
			if off := a.KeyPos.Offset - at.Offset; text[off:off+len(a.Key)] != a.Key {
				t.Fatalf("key %q not at its position %d", a.Key, off)
			}
			b.WriteString(" " + a.Key)
			if a.HasValue {
				b.WriteString("=" + strconv.Quote(a.Value))
			}
		}
		again, diags := parseDirective(b.String(), token.Position{})
		if again == nil {
			t.Fatalf("round trip %q rejected: %v", b.String(), diags)
		}
		if len(again.Args) != len(d.Args) {
			t.Fatalf("round trip changed the arguments: %v vs %v", d.Args, again.Args)
		}
		for i := range d.Args {
			if d.Args[i].Key != again.Args[i].Key || d.Args[i].Value != again.Args[i].Value || d.Args[i].HasValue != again.Args[i].HasValue {
				t.Fatalf("round trip changed argument %d: %+v vs %+v", i, d.Args[i], again.Args[i])
			}
		}
		// Whatever the grammar accepted, the key layer must not panic either.
		if d.Verb == verbProtected {
			parseAnnotation(d, true)
		}
	})
}
