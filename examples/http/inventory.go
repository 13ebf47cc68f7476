// Package inventory is an HTTP client protected by generated code, with no
// adapter written by hand: the http.RoundTripper under its http.Client is
// decorated into this package by baldurgen from baldurgen.yaml. Server is
// the service it talks to; the tests run both on 127.0.0.1.
//
// The decorated RoundTrip takes its context from each request, sends every
// attempt as a fresh clone with its body from GetBody (and never sends a
// body twice that cannot be rewound), treats 429, 502, 503 and 504 as
// failures, honours Retry-After, and returns the last response as it is
// when attempts run out (docs/clients.md).
package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
)

// Client talks to the inventory service at a base URL.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the service at base whose requests go through
// next (nil for http.DefaultTransport), protected by rt's policies.
func New(base string, next http.RoundTripper, rt *baldur.Runtime) *Client {
	if next == nil {
		next = http.DefaultTransport
	}
	return &Client{base: base, http: &http.Client{Transport: NewTransportProtected(next, rt)}}
}

// Reservation is the service's answer to a reservation.
type Reservation struct {
	ID  string `json:"id"`
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// Reserve holds qty items of sku. key identifies the operation: the
// service answers a repeated key with the first reservation, which is what
// makes the transport's retries of this POST safe.
func (c *Client) Reserve(ctx context.Context, key, sku string, qty int) (Reservation, error) {
	body, _ := json.Marshal(map[string]any{"sku": sku, "qty": qty})
	// A *bytes.Reader body: http.NewRequest sets GetBody, so each attempt
	// sends it whole.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/reservations", bytes.NewReader(body))
	if err != nil {
		return Reservation{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	var r Reservation
	return r, c.do(req, &r)
}

// Import sends a stock file read from r, which cannot be rewound: a
// failure after the service read from it is not retried.
func (c *Client) Import(ctx context.Context, r io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/imports", r)
	if err != nil {
		return err
	}
	return c.do(req, nil)
}

// Stock is how many items of sku are free.
func (c *Client) Stock(ctx context.Context, sku string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/stock/"+url.PathEscape(sku), nil)
	if err != nil {
		return 0, err
	}
	var s struct {
		Free int `json:"free"`
	}
	return s.Free, c.do(req, &s)
}

func (c *Client) do(req *http.Request, into any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		// Attempts ran out on this answer: the last response came back as
		// it is, and reads as the error it is.
		return fmt.Errorf("inventory: %w", httpbaldur.NewStatusError(resp))
	}
	if into == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
