package pgstore_test

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// connPool is the least pool that makes several real connections safe for
// concurrent use. The tests use it because this module cannot build
// pgxpool: go.mod does not require github.com/jackc/puddle/v2. Users pass a
// *pgxpool.Pool, which has the same two methods.
type connPool struct {
	cfg   *pgx.ConnConfig
	conns chan *pgx.Conn
}

// put returns c to the pool, replacing it when pgx closed it (it does when
// a query's context ends mid-flight). The replacement is dialled on a
// goroutine of its own, so that the call that returns c is not held up by
// a network that does not answer: the pool returns by its context's
// deadline, as pgxpool does.
func (p *connPool) put(c *pgx.Conn) {
	if !c.IsClosed() {
		p.conns <- c
		return
	}
	go func() {
		if fresh, err := pgx.ConnectConfig(context.Background(), p.cfg); err == nil {
			c = fresh
		}
		p.conns <- c
	}()
}

func (p *connPool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *connPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer p.put(c)
	return c.Exec(ctx, sql, args...)
}

func (p *connPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &pooledRow{row: c.QueryRow(ctx, sql, args...), release: func() { p.put(c) }}
}

// pooledRow holds its connection until Scan, as pgxpool's rows do.
type pooledRow struct {
	row     pgx.Row
	release func()
}

func (r *pooledRow) Scan(dest ...any) error {
	defer r.release()
	return r.row.Scan(dest...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (p *connPool) close() {
	for range cap(p.conns) {
		c := <-p.conns
		_ = c.Close(context.Background())
	}
}

// dialer connects anew for every statement, like a pool that has no
// connection yet: the first statement to a dead server fails at connect.
type dialer string

func (d dialer) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := pgx.Connect(ctx, string(d))
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer c.Close(context.Background())
	return c.Exec(ctx, sql, args...)
}

func (d dialer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := pgx.Connect(ctx, string(d))
	if err != nil {
		return errRow{err}
	}
	return &pooledRow{row: c.QueryRow(ctx, sql, args...), release: func() { _ = c.Close(context.Background()) }}
}
