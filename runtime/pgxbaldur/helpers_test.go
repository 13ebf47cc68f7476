package pgxbaldur_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

const envURL = "BALDUR_TEST_POSTGRES_URL"

// connect opens a connection to the test database, closed when the test
// ends, and a schema no other test uses, dropped when it ends; the
// connection's search_path starts with it.
func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	url := testenv.Env(t, envURL, "the pgxbaldur tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("%s does not answer: %v", envURL, err)
	}
	schema := pgx.Identifier{"pgxbaldur_test_" + strings.ToLower(rand.Text())}.Sanitize()
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema+"; SET search_path TO "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := c.Exec(bg, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
		c.Close(bg)
	})
	return c
}

// raise makes the server raise a real error with the given SQLSTATE.
func raise(c *pgx.Conn, state string) error {
	_, err := c.Exec(bg, "DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '"+state+"'; END $$")
	return err
}

func newRuntime(t *testing.T, config string, opts ...baldur.Option) *baldur.Runtime {
	return baldurtest.NewRuntime(t, append(opts, baldur.WithConfigYAML([]byte(config)))...)
}

const noDelay = `
defaults:
  retry: {initial_delay: 0s}
  budget: {enabled: false}
breakers:
  db: {size: 20, minimum_calls: 10, failure_rate: 50}
`
