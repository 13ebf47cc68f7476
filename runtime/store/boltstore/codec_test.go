package boltstore

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	baldur "github.com/baldur-go/baldur/runtime"
)

func sample() baldur.StoredLetter {
	at := time.Date(2026, 6, 1, 12, 0, 0, 123456789, time.UTC)
	return baldur.StoredLetter{
		Letter: baldur.Letter{
			ID: "a", Policy: "charge", Method: "pay.Gateway.Charge", Key: "k",
			Fields: map[string]string{"b": "2", "a": "1"}, Err: "e", Attempts: 3, Replays: 2,
			State: baldur.LetterParked, Reason: "spent", Created: at, LastFailed: at.Add(time.Second),
			NextReplay: at.Add(-time.Hour * 24 * 365 * 60),
		},
		Signature: "sig", Body: []byte{0, 1, 2}, Token: "tok", LeaseUntil: at.Add(time.Minute),
	}
}

func TestDeadLetterCodecRoundTrip(t *testing.T) {
	for _, l := range []baldur.StoredLetter{sample(), {Letter: baldur.Letter{ID: "z", Policy: "p", State: baldur.LetterPending}}} {
		got, err := decode(encode(&l))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(l, got); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	}
	// Time keys sort as the instants, zero and before 1970 included.
	times := []time.Time{{}, time.Unix(-5, 999), time.Unix(0, 0), time.Unix(0, 1), time.Unix(1<<40, 0)}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(nil, times[i-1]), timeKey(nil, times[i])
		if string(a) >= string(b) || !keyTime(b).Equal(times[i]) || !keyTime(a).Equal(times[i-1]) {
			t.Fatalf("time keys of %v and %v out of order or lossy", times[i-1], times[i])
		}
	}
}

// A damaged record is an error, never a panic or a huge allocation.
func FuzzDecode(f *testing.F) {
	l := sample()
	f.Add(encode(&l))
	f.Add([]byte{recordVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decode(b)
		if err == nil {
			if again, err := decode(encode(&got)); err != nil || !cmp.Equal(again, got) {
				t.Fatalf("decoded letter does not round-trip: %v", err)
			}
		}
	})
}
