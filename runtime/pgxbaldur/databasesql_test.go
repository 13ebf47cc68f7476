package pgxbaldur_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/pgxbaldur"
)

// badConnDriver's connections fail every statement with driver.ErrBadConn,
// what a driver returns when the statement never reached the server (pgx's
// stdlib driver does so for the errors pgconn.SafeToRetry accepts).
type badConnDriver struct{ opens, execs atomic.Int32 }

func (d *badConnDriver) Open(string) (driver.Conn, error) {
	d.opens.Add(1)
	return badConn{d}, nil
}

type badConn struct{ d *badConnDriver }

func (c badConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	c.d.execs.Add(1)
	return nil, driver.ErrBadConn
}
func (badConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (badConn) Close() error                        { return nil }
func (badConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

// database/sql retries a statement that fails with driver.ErrBadConn on
// another connection: 3 tries in all, the last on a new one. Under
// Baldur's 3 attempts that is 9 tries, and the caller's error is
// driver.ErrBadConn. It retries only what never reached the server, so
// it multiplies connections, not executions; leave it on.
func TestDatabaseSQLRetriesBadConnections(t *testing.T) {
	d := &badConnDriver{}
	db := sql.OpenDB(connector{d})
	defer db.Close()

	_, err := db.ExecContext(bg, "INSERT 1")
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("err %v, want driver.ErrBadConn", err)
	}
	if n := d.execs.Swap(0); n != 3 {
		t.Fatalf("one ExecContext made %d tries, want database/sql's 3", n)
	}
	if !pgxbaldur.IsConnectionError(err) {
		t.Fatal("driver.ErrBadConn is not a connection error")
	}

	p := newRuntime(t, noDelay).Policy(baldur.Spec{Name: "db", Method: "t.DB.Exec", Retry: true, Attempts: 3})
	p.Do(bg, nil, func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, "INSERT 1")
		return err
	})
	if n := d.execs.Load(); n != 9 {
		t.Fatalf("under 3 Baldur attempts: %d tries, want 9", n)
	}
}

type connector struct{ d *badConnDriver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c connector) Driver() driver.Driver                        { return c.d }
