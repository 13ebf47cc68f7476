package pgstore_test

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// dlPool is the least pool the dead-letter tests need: size connections,
// each made on first use and made again, with the caller's context, after
// pgx closed it (it does when a query's context ends mid-flight), so a
// stalled network makes acquiring wait no longer than the caller's
// deadline. This module cannot build pgxpool (go.mod does not require
// puddle); users pass a *pgxpool.Pool, which has the same methods.
type dlPool struct {
	cfg   *pgx.ConnConfig
	slots chan *pgx.Conn // nil entries are slots without a connection

	mu  sync.Mutex
	all map[*pgx.Conn]bool
}

func newDLPool(cfg *pgx.ConnConfig, size int) *dlPool {
	p := &dlPool{cfg: cfg, slots: make(chan *pgx.Conn, size), all: map[*pgx.Conn]bool{}}
	for range size {
		p.slots <- nil
	}
	return p
}

func (p *dlPool) acquire(ctx context.Context) (*pgx.Conn, error) {
	var c *pgx.Conn
	select {
	case c = <-p.slots:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c != nil && !c.IsClosed() {
		return c, nil
	}
	c, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		p.slots <- nil
		return nil, err
	}
	p.mu.Lock()
	p.all[c] = true
	p.mu.Unlock()
	return c, nil
}

func (p *dlPool) release(c *pgx.Conn) { p.slots <- c }

func (p *dlPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer p.release(c)
	return c.Exec(ctx, sql, args...)
}

func (p *dlPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		p.release(c)
		return nil, err
	}
	return &dlRows{Rows: rows, release: func() { p.release(c) }}, nil
}

func (p *dlPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := p.Query(ctx, sql, args...)
	if err != nil {
		return dlErrRow{err}
	}
	return dlRow{rows}
}

// close closes every connection the pool made, waiting for none: tests
// call it after their work ended.
func (p *dlPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.all {
		ctx, cancel := context.WithTimeout(context.Background(), 0)
		_ = c.Close(ctx) // no Terminate over a stalled link
		cancel()
		<-c.PgConn().CleanupDone()
	}
}

// dlRows gives the connection back once the rows are closed.
type dlRows struct {
	pgx.Rows
	once    sync.Once
	release func()
}

func (r *dlRows) Close() {
	r.Rows.Close()
	r.once.Do(r.release)
}

func (r *dlRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

type dlRow struct{ rows pgx.Rows }

func (r dlRow) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

type dlErrRow struct{ err error }

func (r dlErrRow) Scan(...any) error { return r.err }

func (p *dlPool) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		p.release(c)
		return nil, err
	}
	return &dlTx{Tx: tx, release: func() { p.release(c) }}, nil
}

// dlTx gives the connection back once the transaction ends.
type dlTx struct {
	pgx.Tx
	once    sync.Once
	release func()
}

func (t *dlTx) Commit(ctx context.Context) error {
	defer t.once.Do(t.release)
	return t.Tx.Commit(ctx)
}

func (t *dlTx) Rollback(ctx context.Context) error {
	defer t.once.Do(t.release)
	return t.Tx.Rollback(ctx)
}
