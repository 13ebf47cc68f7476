package baldur

import (
	"os"
	"strings"
	"testing"
)

// docs/config.md promises to list every key with its default.
func TestConfigDocListsEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"mesh.owns_network_retries", "defaults", "policies.<name>"}
	for group, fields := range sectionFields(&PolicyConfig{}, true) {
		for _, f := range fields {
			key := f.key
			if group != "" {
				key = group + "." + key
			}
			keys = append(keys, key)
		}
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "| `"+k+"` |") {
			t.Errorf("docs/config.md has no table row for %s", k)
		}
	}
}
