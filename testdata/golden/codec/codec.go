// Package codec keeps, under an idempotency key, the values that survive
// the JSON codec although their fields are unexported: they marshal
// themselves, or encoding/json reaches their pointer methods. Its tests run
// on a store that keeps only bytes, as one shared by replicas does.
package codec

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Money marshals itself: the fix the refusal of testdata/bad/codec asks for.
type Money struct {
	cents    int64
	currency string
}

func NewMoney(cents int64, currency string) Money { return Money{cents, currency} }

func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(m.cents, 10) + " " + m.currency)
}

func (m *Money) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n, cur, ok := strings.Cut(s, " ")
	if !ok {
		return errors.New("money: want cents and currency")
	}
	cents, err := strconv.ParseInt(n, 10, 64)
	m.cents, m.currency = cents, cur
	return err
}

// Cents marshals itself through a pointer only, which encoding/json calls
// behind a pointer and on slice elements.
type Cents struct{ n int64 }

func (c *Cents) MarshalJSON() ([]byte, error) { return []byte(strconv.FormatInt(c.n, 10)), nil }

// Tagged leaves a field out on purpose: it is neither fingerprinted nor
// stored.
type Tagged struct {
	Name  string
	Trace string `json:"-"`
}

type inner struct{ N int }

// Embeds promotes the fields of an unexported struct.
type Embeds struct {
	inner
}

type Payments interface {
	//baldur:protected idempotency_key=id
	Charge(ctx context.Context, id string, amount Money) (Money, error)

	//baldur:protected idempotency_key=id
	Stamp(ctx context.Context, id string, at time.Time, c *Cents, cs []Cents, tagged Tagged, emb Embeds, hosts map[netip.Addr]int) (*big.Int, netip.Addr, time.Time, error)
}
