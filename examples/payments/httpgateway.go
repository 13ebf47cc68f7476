package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	baldur "github.com/baldur-go/baldur/runtime"
)

// maxBody bounds what the gateway reads from one answer, so a misbehaving
// provider cannot make it buffer without limit.
const maxBody = 1 << 20

// StatusError is an answer from the provider that is neither a success nor
// a decline. 5xx, 408 and 429 answers come back as a plain *StatusError,
// which the runtime retries and the breaker counts; other 4xx answers are
// wrapped in baldur.Permanent, since sending the same request again cannot
// help.
type StatusError struct {
	Op      string
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("payments: %s: provider answered %d %s: %s", e.Op, e.Code, http.StatusText(e.Code), e.Message)
}

// HTTPGateway is a PaymentGateway that talks JSON over HTTP to a payment
// provider. It knows nothing of retries or breakers: the generated
// PaymentGatewayProtected adds them around it.
type HTTPGateway struct {
	base   string
	client *http.Client
}

// NewHTTPGateway returns a gateway for the provider at baseURL. A nil
// client means http.DefaultClient. Every call is bounded by its context,
// which is how the per-attempt timeout reaches the wire.
func NewHTTPGateway(baseURL string, client *http.Client) PaymentGateway {
	if client == nil {
		client = http.DefaultClient
	}
	return &HTTPGateway{base: baseURL, client: client}
}

// chargeRequest and chargeAnswer are the provider's wire format.
type chargeRequest struct {
	OrderID string `json:"order_id"`
	Amount  int64  `json:"amount"`
}

type chargeAnswer struct {
	OrderID string `json:"order_id"`
	Amount  int64  `json:"amount"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
}

// Charge asks the provider to capture amount for orderID. The order ID
// travels as the Idempotency-Key, so a retried charge is never taken twice.
func (g *HTTPGateway) Charge(ctx context.Context, orderID string, amount int64, customer Customer) (Receipt, error) {
	body, err := json.Marshal(chargeRequest{OrderID: orderID, Amount: amount})
	if err != nil {
		return Receipt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/charges", bytes.NewReader(body))
	if err != nil {
		return Receipt{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", orderID)
	var a chargeAnswer
	if err := g.do(req, "charge", &a); err != nil {
		return Receipt{}, err
	}
	return Receipt{OrderID: a.OrderID, Amount: a.Amount, Status: a.Status}, nil
}

// Status returns the provider's status of the charge for orderID.
func (g *HTTPGateway) Status(ctx context.Context, orderID string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+"/charges/"+url.PathEscape(orderID), nil)
	if err != nil {
		return "", err
	}
	var a chargeAnswer
	if err := g.do(req, "status", &a); err != nil {
		return "", err
	}
	return a.Status, nil
}

// Ping checks that the provider answers at all.
func (g *HTTPGateway) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+"/health", nil)
	if err != nil {
		return err
	}
	return g.do(req, "ping", nil)
}

// do sends req and decodes a 2xx answer into out, or maps the status to an
// error. The body is always drained so the connection can be reused.
func (g *HTTPGateway) do(req *http.Request, op string, out any) error {
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 == 2 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("payments: %s: bad answer from provider: %w", op, err)
		}
		return nil
	}
	var a chargeAnswer
	_ = json.Unmarshal(data, &a) // the message is best effort; the status decides
	return statusError(op, resp.StatusCode, a.Error)
}

// statusError maps a non-2xx status to the error the runtime should see.
func statusError(op string, code int, msg string) error {
	if code == http.StatusPaymentRequired {
		return fmt.Errorf("%w: %s", ErrDeclined, msg)
	}
	e := &StatusError{Op: op, Code: code, Message: msg}
	if code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests {
		return e
	}
	return baldur.Permanent(e)
}
