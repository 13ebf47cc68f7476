package fault

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baldur-go/baldur/internal/testenv"
)

// postgresBehind returns a connection config for the shared PostgreSQL at
// BALDUR_TEST_POSTGRES_URL that goes through a new proxy.
func postgresBehind(t *testing.T) (*pgx.ConnConfig, *Proxy) {
	t.Helper()
	url := testenv.Env(t, "BALDUR_TEST_POSTGRES_URL", "the PostgreSQL proxy tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("BALDUR_TEST_POSTGRES_URL: %v", err)
	}
	p := NewProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	host, port, _ := net.SplitHostPort(p.Addr())
	n, _ := strconv.Atoi(port)
	cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(n), nil
	return cfg, p
}

// connect opens a connection through the proxy, closed at cleanup.
func connect(t *testing.T, cfg *pgx.ConnConfig) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect through the proxy: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// selectOne runs SELECT 1.
func selectOne(ctx context.Context, c *pgx.Conn) error {
	var one int
	return c.QueryRow(ctx, "SELECT 1").Scan(&one)
}

func TestProxyPostgres(t *testing.T) {
	leakCheck(t)
	cfg, p := postgresBehind(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	t.Run("forwards", func(t *testing.T) {
		if err := selectOne(ctx, connect(t, cfg)); err != nil {
			t.Fatal(err)
		}
	})

	// A stalled query ends at the client's own deadline; after Resume a new
	// connection works. pgx closes the interrupted connection in the
	// background (cancel request, Terminate), which needs the proxy back.
	t.Run("stall", func(t *testing.T) {
		c := connect(t, cfg)
		p.Stall()
		short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancelShort()
		if err := selectOne(short, c); err == nil {
			t.Fatal("SELECT 1 got through a stalled proxy")
		}
		p.Resume()
		select {
		case <-c.PgConn().CleanupDone():
		case <-ctx.Done():
			t.Fatal("the interrupted connection was not cleaned up after Resume")
		}
		if err := selectOne(ctx, connect(t, cfg)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("cut", func(t *testing.T) {
		c := connect(t, cfg)
		if err := selectOne(ctx, c); err != nil {
			t.Fatal(err)
		}
		p.CutAll()
		if err := selectOne(ctx, c); err == nil {
			t.Fatal("SELECT 1 after CutAll succeeded")
		}
	})

	t.Run("refuse", func(t *testing.T) {
		p.Refuse(true)
		if c, err := pgx.ConnectConfig(ctx, cfg); err == nil {
			c.Close(ctx)
			t.Fatal("connected through a refusing proxy")
		}
		p.Refuse(false)
		if err := selectOne(ctx, connect(t, cfg)); err != nil {
			t.Fatal(err)
		}
	})
}
