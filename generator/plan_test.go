package generator_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baldur-go/baldur/generator"
	baldur "github.com/baldur-go/baldur/runtime"
)

// TestPlan compares what baldurgen plan prints for testdata/golden/plan,
// in text and in JSON, with want/. The case's own test checks the JSON
// against the explanation the runtime gives of the decorators it built.
func TestPlan(t *testing.T) {
	dir := filepath.Join(testdata(t), "golden", "plan")
	res, err := generator.Generate(generator.Options{Dir: dir})
	if err != nil || len(res.Diagnostics) > 0 {
		t.Fatalf("%v %v", err, res.Diagnostics)
	}
	data, err := os.ReadFile(filepath.Join(dir, "baldur.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diags := res.CheckConfig("baldur.yaml", data); len(diags) > 0 {
		t.Fatalf("the case's baldur.yaml has problems: %v", diags)
	}
	cfg, err := baldur.ParseConfig("baldur.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	plan := res.Plan(cfg, dir)
	plan.WriteText(&text)
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(plan); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"plan.txt": text.Bytes(), "plan.json": js.Bytes()} {
		path := filepath.Join(dir, "want", name)
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s differs (-want +got):\n%s", name, diff)
		}
	}
	// Without a file, every setting is built in or the annotation's.
	for _, pp := range res.Plan(nil, dir).Policies {
		for _, l := range pp.Layers {
			for _, s := range l.Settings {
				if s.From != baldur.FromDefault && s.From != baldur.FromAnnotation {
					t.Errorf("%s: %s from %s without a configuration file", pp.Policy, s.Key, s.From)
				}
			}
		}
	}
}
