package boltstore_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

const (
	card  = "4111111111111111"  // in Body: what the runtime seals
	email = "alice@example.com" // in a plain field
)

// X1 at the store's level: the store cannot seal (the runtime does), so
// it must keep Body in one place only, the letter's own value, and index
// nothing but plain fields (policy, times, IDs, state). With a sealer the
// one copy is ciphertext. Errors never carry the body either.
func TestDeadLetterBodyIsStoredOnceAndNeverIndexed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "letters.db")
	s, err := boltstore.Open(path, boltstore.WithMaxLetters(1))
	if err != nil {
		t.Fatal(err)
	}
	l := letter("a")
	l.Body = []byte("args{card:" + card + "} err{declined for " + card + "}")
	l.Fields = map[string]string{"customer": email}
	mustPut(t, s, l)
	if err := s.Put(ctx, l2(card)); err == nil || bytes.Contains([]byte(err.Error()), []byte(card)) {
		t.Fatalf("refused Put: %v, want an error without the body", err)
	}
	if err := s.DB().View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			walk(t, string(name), b)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Twice in the one value (arguments and error text), nowhere else.
	if n := bytes.Count(raw, []byte(card)); n != 2 {
		t.Fatalf("the card number is %d times in the file, want 2 (the letter's value only)", n)
	}
}

func l2(card string) baldur.StoredLetter {
	l := letter("b")
	l.Body = []byte(card)
	return l
}

// walk fails the test if a key anywhere, or a value outside the letters
// bucket, holds the body's or the plain field's sentinel.
func walk(t *testing.T, path string, b *bolt.Bucket) {
	t.Helper()
	_ = b.ForEach(func(k, v []byte) error {
		if bytes.Contains(k, []byte(card)) || bytes.Contains(k, []byte(email)) {
			t.Errorf("bucket %s: a key holds a sentinel: %q", path, k)
		}
		if v == nil {
			walk(t, path+"/"+string(k), b.Bucket(k))
			return nil
		}
		if path != "letters" && (bytes.Contains(v, []byte(card)) || bytes.Contains(v, []byte(email))) {
			t.Errorf("bucket %s: the value of %q holds a sentinel", path, k)
		}
		return nil
	})
}
