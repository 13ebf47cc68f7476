package parser

import (
	"go/ast"
	"go/importer"
	goparser "go/parser"
	"go/token"
	"go/types"
	"testing"
)

const clientsSrc = `package p

import (
	"context"
	"database/sql"
	"io"
	"iter"
	"net"
	"net/http"
)

type Stream interface {
	Recv() (*int, error)
	RecvMsg(m any) error
	SendMsg(m any) error
}

type Session struct{}

func (*Session) Context() context.Context { return nil }

// Rows has the shape of pgx.Rows: Close without an error.
type Rows interface {
	Next() bool
	Close()
}

type CallOption interface{ before() error }
type Option func(*int)

func rows(context.Context) (*sql.Rows, error)             { return nil, nil }
func tx(context.Context) (*sql.Tx, error)                 { return nil, nil }
func stream(context.Context) (Stream, error)              { return nil, nil }
func session(context.Context) (*Session, error)           { return nil, nil }
func lines(context.Context) (<-chan string, error)        { return nil, nil }
func seq(context.Context) (iter.Seq[int], error)          { return nil, nil }
func body(context.Context) (io.ReadCloser, error)         { return nil, nil }
func pgxRows(context.Context) (Rows, error)               { return nil, nil }
func conn(context.Context) (net.Conn, error)              { return nil, nil }
func response(context.Context) (*http.Response, error)    { return nil, nil }
func value(context.Context) (string, error)               { return "", nil }
func roundTrip(*http.Request) (*http.Response, error)     { return nil, nil }
func both(context.Context, string, *http.Request) (int, *http.Response, error) { return 0, nil, nil }

func grpcLike(context.Context, string, ...CallOption) error { return nil }
func funcOpts(context.Context, ...Option) error             { return nil }
func pgxArgs(context.Context, string, ...any) error         { return nil }
func strs(context.Context, ...string) error                 { return nil }
func plain(context.Context, CallOption) error               { return nil }
`

func clientsPackage(t *testing.T) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := goparser.ParseFile(fset, "p.go", clientsSrc, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.ForCompiler(fset, "source", nil)}).Check("p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

func sigOf(pkg *types.Package, name string) *types.Signature {
	return pkg.Scope().Lookup(name).Type().(*types.Signature)
}

func TestOutlives(t *testing.T) {
	pkg := clientsPackage(t)
	for name, want := range map[string]string{
		"rows":     "is read after the call returns",
		"tx":       "is rolled back by database/sql when its context ends",
		"stream":   "is a stream, used after the call returns",
		"session":  "keeps the context it was made with",
		"lines":    "is a channel, fed after the call returns",
		"seq":      "is an iterator, run after the call returns",
		"body":     "lives until it is closed",
		"pgxRows":  "lives until it is closed",
		"conn":     "lives until it is closed", // conservative: see docs/clients.md
		"response": "",                         // httpbaldur.Call's, with its own rules
		"value":    "",
	} {
		i, got := Outlives(sigOf(pkg, name))
		if got != want || (want == "") != (i < 0) {
			t.Errorf("%s: %d %q, want %q", name, i, got, want)
		}
	}
}

func TestHTTPShapes(t *testing.T) {
	pkg := clientsPackage(t)
	for _, c := range []struct {
		name       string
		req, resp  int
		usesHTTPCl bool
	}{
		{"roundTrip", 0, 0, true},
		{"both", 2, 1, true},
		{"response", -1, 0, true},
		{"value", -1, -1, false},
	} {
		sig := sigOf(pkg, c.name)
		if r, s, u := RequestParam(sig), ResponseResult(sig), UsesHTTPCall(sig); r != c.req || s != c.resp || u != c.usesHTTPCl {
			t.Errorf("%s: request %d, response %d, call %v; want %d, %d, %v", c.name, r, s, u, c.req, c.resp, c.usesHTTPCl)
		}
	}
}

func TestCallOptions(t *testing.T) {
	pkg := clientsPackage(t)
	for name, want := range map[string]int{
		"grpcLike": 2, "funcOpts": 1,
		"pgxArgs": -1, // the query's arguments: they count
		"strs":    -1, "plain": -1,
	} {
		if got := callOptions(sigOf(pkg, name)); got != want {
			t.Errorf("%s: %d, want %d", name, got, want)
		}
	}
}
