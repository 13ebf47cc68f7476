// Real clients' shapes in lint (issue 11): an interface's timeout does not
// apply to results that outlive the call, and a retried request whose verb
// is known only at run time is flagged unless marked idempotent.
package clients

import (
	"context"
	"database/sql"
	"io"
	"net/http"
)

//baldur:protected retry=2 idempotent timeout=2s
type Store interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Begin(ctx context.Context) (*sql.Tx, error)
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Get answers with a response: the timeout applies, bounding the wait
	// for it.
	Get(ctx context.Context, url string) (*http.Response, error)
	Count(ctx context.Context, table string) (int, error)
}

type Sender interface {
	//baldur:protected retry=3
	Send(req *http.Request) error
	//baldur:protected retry=3 idempotent
	Fetch(req *http.Request) (*http.Response, error)
}
