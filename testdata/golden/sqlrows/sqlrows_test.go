package sqlrows

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/baldur-go/baldur/internal/testenv"
	"github.com/baldur-go/baldur/testdata/lib/harness"
)

// db is the handle the decorator wraps, counting what reaches PostgreSQL.
type db struct {
	*sql.DB
	queries, execs int
}

func (d *db) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	d.queries++
	return d.QueryContext(ctx, query, args...)
}

func (d *db) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.execs++
	return d.ExecContext(ctx, query, args...)
}

// open connects to the real PostgreSQL and creates a schema of the test's
// own, dropped when it ends.
func open(t *testing.T) (*db, string) {
	t.Helper()
	url := testenv.Env(t, "BALDUR_TEST_POSTGRES_URL", "the generated database decorator tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	conn, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := "sqlrows_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	return &db{DB: conn}, schema
}

// 100,000 rows are read whole, long after the call returned, although
// baldur.yaml gives Query a 2s timeout. Before issue 11 the rows ended
// with "context canceled" after the first few thousand (19,261 of 100,000
// in the report), as the attempt's context ended with the call.
func TestRowsOutliveTheTimeout(t *testing.T) {
	inner, schema := open(t)
	ctx := context.Background()
	if _, err := inner.ExecContext(ctx, "CREATE TABLE "+schema+".t AS SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 100000) g"); err != nil {
		t.Fatal(err)
	}
	rt, clock := harness.Runtime(t, `
policies:
  sqlrows.db.query: {timeout: 2s}
`)
	rows, err := NewDBProtected(inner, rt).Query(ctx, "SELECT n, h FROM "+schema+".t ORDER BY n")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	clock.Advance(time.Hour) // long past the timeout
	var n, sum int64
	for rows.Next() {
		var v int64
		var h string
		if err := rows.Scan(&v, &h); err != nil {
			t.Fatal(err)
		}
		n++
		sum += v
	}
	if err := rows.Err(); err != nil || n != 100000 || sum != 100000*100001/2 {
		t.Fatalf("read %d rows (sum %d), then %v; want all 100,000", n, sum, err)
	}
}

// A unique violation is the caller's: not retried, not counted by the
// breaker, returned as the *pgconn.PgError it is.
func TestUniqueViolationNotRetriedNorCounted(t *testing.T) {
	inner, schema := open(t)
	ctx := context.Background()
	if _, err := inner.ExecContext(ctx, "CREATE TABLE "+schema+".accounts (email text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	rt, _ := harness.Runtime(t, "")
	d := NewDBProtected(inner, rt)
	insert := "INSERT INTO " + schema + ".accounts VALUES ($1)"
	if _, err := d.Exec(ctx, insert, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	_, err := d.Exec(ctx, insert, "ada@example.com")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("err %v; want the unique violation", err)
	}
	if inner.execs != 2 {
		t.Fatalf("%d executions; want 2: the violation is not retried", inner.execs)
	}
	if m := d.exec.Breaker().Metrics(); m.Failures != 0 {
		t.Fatalf("breaker %+v; want the violation not counted", m)
	}
}
