package pgxbaldur_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/pgxbaldur"
)

// Each SQLSTATE as the real server raises it.
func TestClassifyBySQLState(t *testing.T) {
	c := connect(t)
	for state, want := range map[string]baldur.Decision{
		"40001": baldur.DecideRetry, "40P01": baldur.DecideRetry, "53300": baldur.DecideRetry, "57P01": baldur.DecideRetry,
		"23505": baldur.DecideIgnore, "23503": baldur.DecideIgnore, "23502": baldur.DecideIgnore, "22P02": baldur.DecideIgnore,
		"42P01": baldur.DecideFail, "42501": baldur.DecideFail,
		"08006": baldur.DecideDefault, "57014": baldur.DecideDefault, "P0001": baldur.DecideDefault,
	} {
		err := raise(c, state)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != state {
			t.Fatalf("raising %s: %v", state, err)
		}
		if got := pgxbaldur.Classify(baldur.PolicyContext{}, fmt.Errorf("ledger: %w", err)); got != want {
			t.Errorf("%s: %v, want %v", state, got, want)
		}
	}
	if got := pgxbaldur.Classify(baldur.PolicyContext{}, &baldur.TimeoutError{Err: raise(c, "57014")}); got != baldur.DecideDefault {
		t.Errorf("baldur's timeout: %v, want default", got)
	}
}

func TestMatchers(t *testing.T) {
	c := connect(t)
	unique, serial := raise(c, "23505"), raise(c, "40001")
	for _, m := range []struct {
		m    *pgxbaldur.Matcher
		err  error
		want bool
	}{
		{pgxbaldur.UniqueViolation, unique, true},
		{pgxbaldur.IntegrityViolation, unique, true},
		{pgxbaldur.Transient, unique, false},
		{pgxbaldur.SerializationFailure, serial, true},
		{pgxbaldur.Transient, &baldur.RetryError{Errs: []error{fmt.Errorf("tx: %w", serial)}}, true},
		{pgxbaldur.IntegrityViolation, errors.New("23505"), false},
	} {
		if got := m.m.MatchError(m.err); got != m.want {
			t.Errorf("%v.MatchError(%v) = %v", m.m, m.err, got)
		}
	}
}

// A unique violation on the real database: the runtime's default retries
// it 3 times and counts every one, so duplicate input opens the database
// breaker and valid inserts are refused; with
// ignore=pgxbaldur.IntegrityViolation it is returned at once, uncounted,
// and the breaker stays closed however many arrive.
func TestUniqueViolationNotRetriedNorCounted(t *testing.T) {
	c := connect(t)
	if _, err := c.Exec(bg, "CREATE TABLE accounts (email text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	var inserts int
	insert := func(p *baldur.Policy, email string) error {
		return p.Do(bg, nil, func(ctx context.Context) error {
			inserts++
			_, err := c.Exec(ctx, "INSERT INTO accounts VALUES ($1)", email)
			return err
		})
	}
	rt := newRuntime(t, noDelay)

	plain := rt.Policy(baldur.Spec{Name: "plain", Method: "t.Accounts.CreateA", Retry: true, Attempts: 3, Breaker: "plain"})
	if err := insert(plain, "taken@example.com"); err != nil {
		t.Fatal(err)
	}
	inserts = 0
	insert(plain, "taken@example.com")
	if inserts != 3 {
		t.Fatalf("without pgxbaldur: %d inserts of a duplicate; expected today's 3", inserts)
	}
	for range 10 {
		insert(plain, "taken@example.com")
	}
	if err := insert(plain, "new@example.com"); !errors.Is(err, baldur.ErrBreakerOpen) {
		t.Fatalf("without pgxbaldur: a valid insert after duplicates got %v; expected today's open breaker", err)
	}

	p := rt.Policy(baldur.Spec{Name: "create", Method: "t.Accounts.CreateB", Retry: true, Attempts: 3, Breaker: "db",
		Ignore: []error{pgxbaldur.IntegrityViolation}})
	inserts = 0
	for range 20 {
		err := insert(p, "taken@example.com")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != pgxbaldur.SQLStateUniqueViolation {
			t.Fatalf("err %v, want the unique violation as is", err)
		}
		if p.ShouldFallback(bg, nil, err) {
			t.Fatal("a unique violation was handed to the fallback")
		}
	}
	if m := p.Breaker().Metrics(); inserts != 20 || m.Calls != 0 || m.State != baldur.StateClosed {
		t.Fatalf("%d inserts for 20 calls, breaker %+v; want 20 and nothing counted", inserts, m)
	}
	if err := insert(p, "new@example.com"); err != nil {
		t.Fatalf("a valid insert after 20 duplicates: %v", err)
	}
}

// A serialization failure is retried with retry_on=pgxbaldur.Transient,
// and the retry succeeds once the race is over.
func TestSerializationFailureRetried(t *testing.T) {
	c := connect(t)
	rt := newRuntime(t, noDelay)
	p := rt.Policy(baldur.Spec{Name: "tx", Method: "t.Ledger.Post", Retry: true, Attempts: 3, RetryOn: []error{pgxbaldur.Transient}})
	var n int
	err := p.Do(bg, nil, func(ctx context.Context) error {
		if n++; n == 1 {
			return raise(c, pgxbaldur.SQLStateSerializationFailure)
		}
		_, err := c.Exec(ctx, "SELECT 1")
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("err %v after %d attempts, want success on the 2nd", err, n)
	}
	n = 0
	p.Do(bg, nil, func(ctx context.Context) error { n++; return raise(c, "23505") })
	if n != 1 {
		t.Fatalf("retry_on=Transient retried a unique violation %d times", n)
	}
}

// A refused connection is a connection error; so is class 08. A wrong
// database name is the server's answer, not one.
func TestIsConnectionError(t *testing.T) {
	c := connect(t)
	cfg := c.Config().Config.Copy()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()

	dead := cfg.Copy()
	dead.Host, dead.Port = "127.0.0.1", 1
	_, refused := pgconn.ConnectConfig(ctx, dead)
	if refused == nil || !pgxbaldur.IsConnectionError(refused) {
		t.Fatalf("refused dial: IsConnectionError(%v) = false", refused)
	}
	if !pgxbaldur.IsConnectionError(raise(c, "08006")) {
		t.Fatal("SQLSTATE 08006 is not a connection error")
	}
	wrong := cfg.Copy()
	wrong.Database = "pgxbaldur_no_such_database"
	_, answered := pgconn.ConnectConfig(ctx, wrong)
	var pe *pgconn.PgError
	if !errors.As(answered, &pe) || pgxbaldur.IsConnectionError(answered) {
		t.Fatalf("unknown database: %v; want a PgError that is not a connection error", answered)
	}
	if pgxbaldur.IsConnectionError(raise(c, "23505")) || pgxbaldur.IsConnectionError(pgx.ErrNoRows) {
		t.Fatal("an answer counted as a connection error")
	}
}
