package baldur

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update", false, "rewrite docs/config.md's generated reference")

const (
	referenceBegin = "<!-- BEGIN reference: generated from runtime/config.go by `go test ./runtime -run TestConfigReference -update` -->\n"
	referenceEnd   = "<!-- END reference -->"
)

// docs/config.md lists every key as config.go declares it.
func TestConfigReferenceIsCurrent(t *testing.T) {
	const path = "../docs/config.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := strings.Cut(string(doc), referenceBegin)
	_, after, ok2 := strings.Cut(rest, referenceEnd)
	if !ok || !ok2 {
		t.Fatalf("%s has no generated reference between %q and %q", path, referenceBegin, referenceEnd)
	}
	want := before + referenceBegin + configReference() + "\n" + referenceEnd + after
	if want == string(doc) {
		return
	}
	if *updateDoc {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale; run go test ./runtime -run TestConfigReference -update", path)
}

// Every default and bound in a tag parses; newLeaf panics otherwise.
func TestEveryDeclarationParses(t *testing.T) {
	_ = builtin[PolicyConfig]()
	_ = builtin[BreakerConfig]()
	_ = builtin[MemoryStoreConfig]()
	if rows := docRows(reflect.TypeFor[Config](), "", inTop, inTop, inTop); len(rows) < 5 {
		t.Fatalf("reference has %d top-level rows", len(rows))
	}
}
