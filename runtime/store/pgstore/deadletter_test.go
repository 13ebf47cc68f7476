package pgstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baldur-go/baldur/internal/testenv"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/lettertest"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// dlConfig is the test database's connection config, adjusted by
// configure; the test skips without BALDUR_TEST_POSTGRES_URL (fails under
// CI=true).
func dlConfig(t testing.TB, configure func(*pgx.ConnConfig)) *pgx.ConnConfig {
	t.Helper()
	url := testenv.Env(t, envURL, "the PostgreSQL dead-letter store tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	if configure != nil {
		configure(cfg)
	}
	return cfg
}

// dlConnect returns a pool of size connections, closed at cleanup, and
// fails the test when the database does not answer.
func dlConnect(t testing.TB, cfg *pgx.ConnConfig, size int) *dlPool {
	t.Helper()
	p := newDLPool(cfg, size)
	t.Cleanup(p.close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatalf("%s does not answer: %v", envURL, err)
	}
	return p
}

// dlSchema creates a schema no other test uses, dropped when the test
// ends (the test drops only what it created).
func dlSchema(t testing.TB, p *dlPool) string {
	t.Helper()
	schema := "baldur_dlq_test_" + strings.ToLower(rand.Text())
	if _, err := p.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := p.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
	})
	return schema
}

// dlStore returns a migrated store on db in schema.
func dlStore(t testing.TB, db pgstore.DeadLetterDB, schema string, opts ...pgstore.DeadLetterOption) *pgstore.DeadLetterStore {
	t.Helper()
	s, err := pgstore.NewDeadLetterStore(db, append([]pgstore.DeadLetterOption{pgstore.WithDeadLetterTable(schema, "letters")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeadLetterConformance(t *testing.T) {
	p := dlConnect(t, dlConfig(t, nil), 8)
	lettertest.Run(t, lettertest.Backend{
		Open: func(t *testing.T) baldur.DeadLetterStore { return dlStore(t, p, dlSchema(t, p)) },
		OpenFull: func(t *testing.T, n int) baldur.DeadLetterStore {
			return dlStore(t, p, dlSchema(t, p), pgstore.WithDeadLetterMaxLetters(n))
		},
	})
}

var dlEpoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func dlLetter(id string) baldur.StoredLetter {
	return baldur.StoredLetter{
		Letter: baldur.Letter{
			ID: id, Policy: "charge", Method: "pay.Gateway.Charge", Key: "k-" + id,
			Fields: map[string]string{"order_id": id}, Attempts: 3,
			Created: dlEpoch, LastFailed: dlEpoch, NextReplay: dlEpoch,
		},
		Signature: "sig-1",
		Body:      []byte("body of " + id),
	}
}

// Migrate twice, and from two stores at once, is fine.
func TestDeadLetterMigrateIsIdempotent(t *testing.T) {
	p := dlConnect(t, dlConfig(t, nil), 4)
	schema := dlSchema(t, p)
	s := dlStore(t, p, schema)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- s.Migrate(context.Background()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// D4: a lease that is not positive, and options that make no sense, are
// refused.
func TestDeadLetterInvalid(t *testing.T) {
	p := dlConnect(t, dlConfig(t, nil), 2)
	s := dlStore(t, p, dlSchema(t, p))
	ctx := context.Background()
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: d, Max: 1}); !errors.Is(err, pgstore.ErrDeadLetterInvalid) {
			t.Errorf("Claim with lease %v: %v, want ErrDeadLetterInvalid", d, err)
		}
		if _, _, err := s.ClaimID(ctx, "a", dlEpoch, d); !errors.Is(err, pgstore.ErrDeadLetterInvalid) {
			t.Errorf("ClaimID with lease %v: %v, want ErrDeadLetterInvalid", d, err)
		}
	}
	if err := s.Put(ctx, baldur.StoredLetter{Letter: baldur.Letter{Policy: "charge"}}); !errors.Is(err, pgstore.ErrDeadLetterInvalid) {
		t.Errorf("Put without an ID: %v", err)
	}
	for _, o := range []pgstore.DeadLetterOption{pgstore.WithDeadLetterTimeout(0), pgstore.WithDeadLetterMaxLetters(0), pgstore.WithDeadLetterTable("s", "")} {
		if _, err := pgstore.NewDeadLetterStore(p, o); !errors.Is(err, pgstore.ErrDeadLetterInvalid) {
			t.Errorf("NewDeadLetterStore with a bad option: %v", err)
		}
	}
}

// A Put retried after an unclear failure (a timeout after the commit)
// neither duplicates nor resets the letter.
func TestDeadLetterPutOfAStoredIDKeepsTheLetter(t *testing.T) {
	p := dlConnect(t, dlConfig(t, nil), 2)
	s := dlStore(t, p, dlSchema(t, p), pgstore.WithDeadLetterMaxLetters(1))
	ctx := context.Background()
	if err := s.Put(ctx, dlLetter("a")); err != nil {
		t.Fatal(err)
	}
	l, err := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: time.Minute, Max: 1})
	if err != nil || len(l) != 1 {
		t.Fatal(l, err)
	}
	again := dlLetter("a")
	again.Body = []byte("other")
	if err := s.Put(ctx, again); err != nil {
		t.Fatalf("second Put of a stored ID into a full table: %v, want nil", err)
	}
	got, _, _ := s.Get(ctx, "a")
	if string(got.Body) != "body of a" || got.Token != l[0].Token || got.Replays != 1 {
		t.Fatalf("a second Put changed the letter: %+v", got)
	}
}

// Times are kept to the microsecond, rounded so that nothing is claimable
// early: a next replay a nanosecond past a microsecond is due at the next.
func TestDeadLetterMicrosecondsNeverEarly(t *testing.T) {
	p := dlConnect(t, dlConfig(t, nil), 2)
	s := dlStore(t, p, dlSchema(t, p))
	ctx := context.Background()
	l := dlLetter("a")
	l.NextReplay = dlEpoch.Add(time.Nanosecond)
	if err := s.Put(ctx, l); err != nil {
		t.Fatal(err)
	}
	req := baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch.Add(time.Nanosecond), Lease: time.Minute, Max: 1}
	if got, err := s.Claim(ctx, req); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v (%v) before its next replay", got, err)
	}
	req.Now = dlEpoch.Add(time.Microsecond)
	if got, err := s.Claim(ctx, req); err != nil || len(got) != 1 {
		t.Fatalf("not claimed at the microsecond after its next replay: %v, %v", got, err)
	}
}
