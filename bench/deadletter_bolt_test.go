package bench

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/baldur-go/baldur/runtime/store/boltstore"
)

// BenchmarkDeadLetterBolt: capture (Put, fsync'd before it returns) on the
// bbolt store from 1, 16 and 64 concurrent callers, whose Puts share
// commits; and the floor, one bbolt Update of one value of the same size
// with its fsync, from one caller.
func BenchmarkDeadLetterBolt(b *testing.B) {
	for _, n := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("impl=boltstore/callers=%d", n), func(b *testing.B) {
			s, err := boltstore.Open(filepath.Join(b.TempDir(), "letters.db"), boltstore.WithMaxLetters(1<<30))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			dlCallers(b, n, func(i int) error { return s.Put(ctx, dlLetter("l", i)) })
			st := s.Stats()
			b.ReportMetric(float64(st.Writes)/float64(max(st.Commits, 1)), "letters/commit")
		})
	}
	b.Run("impl=floor-bolt-update/callers=1", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		name := []byte("floor")
		if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(name); return err }); err != nil {
			b.Fatal(err)
		}
		dlCallers(b, 1, func(i int) error {
			return db.Update(func(tx *bolt.Tx) error { return tx.Bucket(name).Put([]byte("l"+strconv.Itoa(i)), dlBody) })
		})
	})
}
