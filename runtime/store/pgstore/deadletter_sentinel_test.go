package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/pgstore"
)

// X1 at the store's level: Body (what the runtime seals) is written to the
// body column only; no other column, no index, and no error carries it.
// Indexes hold plain fields only: policy, times, IDs, state.
func TestDeadLetterBodyOnlyInItsColumn(t *testing.T) {
	const card, email = "4111111111111111", "alice@example.com"
	db := dlConnect(t, dlConfig(t, nil), 2)
	schema := dlSchema(t, db)
	s := dlStore(t, db, schema, pgstore.WithDeadLetterMaxLetters(1))
	ctx := context.Background()
	l := dlLetter("a")
	l.Body = []byte("args{card:" + card + "} err{declined for " + card + "}")
	l.Fields = map[string]string{"customer": email}
	if err := s.Put(ctx, l); err != nil {
		t.Fatal(err)
	}
	full := dlLetter("b")
	full.Body = []byte(card)
	if err := s.Put(ctx, full); err == nil || strings.Contains(err.Error(), card) {
		t.Fatalf("refused Put: %v, want an error without the body", err)
	}
	got, _ := s.Claim(ctx, baldur.ClaimRequest{Policies: []string{"charge"}, Now: dlEpoch, Lease: time.Minute, Max: 1})
	if len(got) != 1 {
		t.Fatal("not claimed")
	}
	table := pgx.Identifier{schema, "letters"}.Sanitize()
	var rest string
	var inBody bool
	if err := db.QueryRow(ctx, `SELECT (to_jsonb(t) - 'body')::text, position($1::bytea in body) > 0 FROM `+table+` AS t`, []byte(card)).Scan(&rest, &inBody); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rest, card) || !inBody {
		t.Fatalf("card in other columns: %v; in body: %v", strings.Contains(rest, card), inBody)
	}
	if !strings.Contains(rest, email) {
		t.Fatalf("the plain field is not in its column: %s", rest)
	}
	rows, err := db.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'letters'`, schema)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(defs) != 3 {
		t.Fatalf("indexes %v, %v; want 3", defs, err)
	}
	for _, d := range defs {
		if strings.Contains(d, "body") || strings.Contains(d, "fields") || strings.Contains(d, "err") {
			t.Errorf("an index holds more than plain fields: %s", d)
		}
	}
}
