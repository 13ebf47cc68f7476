package generator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthesize writes a module of pkgs packages, each with ifaces annotated
// interfaces of methods methods, in mixed shapes: variadic, generic,
// several results, types from the previous package and the standard
// library, fallbacks, shared breakers. It returns the module's directory.
func synthesize(t testing.TB, dir string, pkgs, ifaces, methods int) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	_, requires, _ := strings.Cut(string(mod), "\nrequire")
	put := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("go.mod", "module example.com/scale\n\ngo 1.26.0\n\nrequire github.com/baldur-go/baldur v0.0.0\n\nrequire"+requires+
		"\nreplace github.com/baldur-go/baldur => "+root+"\n")
	put("go.sum", string(sum))
	for p := 0; p < pkgs; p++ {
		var b strings.Builder
		fmt.Fprintf(&b, "package p%d\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"io\"\n\t\"net/http\"\n\t\"time\"\n", p)
		if p > 0 {
			fmt.Fprintf(&b, "\n\tprev \"example.com/scale/p%d\"\n", p-1)
		}
		b.WriteString(")\n\nvar ErrTransient = errors.New(\"transient\")\n\ntype Item struct {\n\tID   string\n\tWhen time.Time\n}\n\n")
		b.WriteString("func fallback(ctx context.Context, id string, n int, err error) (Item, error) { return Item{ID: id}, nil }\n\n")
		b.WriteString("var _ = io.EOF\nvar _ = http.MethodGet\n\n")
		prevItem := "Item"
		if p > 0 {
			prevItem = "prev.Item"
		}
		for i := 0; i < ifaces; i++ {
			generic := i%3 == 2
			tp, tpArgs := "", "Item"
			if generic {
				tp, tpArgs = "[K comparable, V any]", "V"
			}
			if i%2 == 0 {
				fmt.Fprintf(&b, "// I%d is protected method by method.\ntype I%d%s interface {\n", i, i, tp)
			} else {
				fmt.Fprintf(&b, "// I%d is protected by its defaults.\n//\n//baldur:protected retry=2 breaker=shared%d idempotent\ntype I%d%s interface {\n", i, p, i, tp)
			}
			for m := 0; m < methods; m++ {
				ann := ""
				if i%2 == 0 {
					ann = fmt.Sprintf("\t//baldur:protected retry=%d breaker=b%d timeout=%dms retry_on=ErrTransient idempotent\n", 2+m%3, m%4, 100+m)
				}
				switch m % 5 {
				case 0:
					if !generic && i%2 == 0 {
						ann = "\t//baldur:protected retry fallback=fallback idempotent\n"
					}
					fmt.Fprintf(&b, "%s\tGet%d(ctx context.Context, id string, n int) (%s, error)\n", ann, m, map[bool]string{true: tpArgs, false: "Item"}[generic])
				case 1:
					fmt.Fprintf(&b, "%s\tSend%d(ctx context.Context, ids ...string) error\n", ann, m)
				case 2:
					fmt.Fprintf(&b, "%s\tMany%d(ctx context.Context, m map[string][]*%s) (int, []byte, *http.Response, error)\n", ann, m, prevItem)
				case 3:
					fmt.Fprintf(&b, "%s\tFunc%d(ctx context.Context, f func(time.Duration) error, c <-chan %s) (map[string]time.Time, error)\n", ann, m, prevItem)
				case 4:
					fmt.Fprintf(&b, "%s\tStream%d(ctx context.Context, w io.Writer, _ int) (int64, error)\n", ann, m)
				}
			}
			b.WriteString("}\n\n")
		}
		put(fmt.Sprintf("p%d/p%d.go", p, p), b.String())
	}
	return dir
}
