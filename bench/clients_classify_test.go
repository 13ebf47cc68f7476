package bench

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/grpcbaldur"
	"github.com/baldur-go/baldur/runtime/httpbaldur"
	"github.com/baldur-go/baldur/runtime/pgxbaldur"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

// Each failed attempt is judged once. These measure that judgement for
// each client's error, wrapped once as a caller's adapter would, against
// errors.Is of a sentinel through the same wrapping: the cost retry_on
// and ignore have always paid.
var (
	errSentinel   = errors.New("bench: sentinel")
	wrappedPlain  = fmt.Errorf("call: %w", errSentinel)
	wrappedStatus = fmt.Errorf("call: %w", status.Error(codes.NotFound, "no such account"))
	wrappedPg     = fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505", Message: "duplicate key"})
	wrappedNil    = fmt.Errorf("get: %w", redis.Nil)
	wrappedHTTP   = fmt.Errorf("post: %w", &httpbaldur.StatusError{StatusCode: 503})
	pc            baldur.PolicyContext
	decision      baldur.Decision
	matched       bool
)

func BenchmarkClientsClassify(b *testing.B) {
	cases := []struct {
		name string
		f    func() baldur.Decision
	}{
		{"errors.Is/sentinel", func() baldur.Decision {
			if errors.Is(wrappedPlain, errSentinel) {
				return baldur.DecideIgnore
			}
			return baldur.DecideDefault
		}},
		{"grpcbaldur.Classify", func() baldur.Decision { return grpcbaldur.Classify(pc, wrappedStatus) }},
		{"grpc/status.Code", func() baldur.Decision { // what a hand-written classifier would call
			if status.Code(wrappedStatus) == codes.NotFound {
				return baldur.DecideIgnore
			}
			return baldur.DecideDefault
		}},
		{"pgxbaldur.Classify", func() baldur.Decision { return pgxbaldur.Classify(pc, wrappedPg) }},
		{"pgx/errors.As", func() baldur.Decision {
			var pe *pgconn.PgError
			if errors.As(wrappedPg, &pe) && pe.Code == "23505" {
				return baldur.DecideIgnore
			}
			return baldur.DecideDefault
		}},
		{"redisbaldur.Classify", func() baldur.Decision { return redisbaldur.Classify(pc, wrappedNil) }},
		{"httpbaldur.Classify", func() baldur.Decision {
			return httpbaldur.Classify(pc, &http.Response{StatusCode: 503}, nil)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				decision = c.f()
			}
		})
	}
}

func BenchmarkClientsMatch(b *testing.B) {
	cases := []struct {
		name string
		f    func() bool
	}{
		{"errors.Is/sentinel", func() bool { return errors.Is(wrappedPlain, errSentinel) }},
		{"grpcbaldur.Business", func() bool { return grpcbaldur.Business.MatchError(wrappedStatus) }},
		{"pgxbaldur.IntegrityViolation", func() bool { return pgxbaldur.IntegrityViolation.MatchError(wrappedPg) }},
		{"errors.Is/redis.Nil", func() bool { return errors.Is(wrappedNil, redis.Nil) }},
		{"httpbaldur.TransientStatuses", func() bool { return httpbaldur.TransientStatuses.MatchError(wrappedHTTP) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				matched = c.f()
			}
		})
	}
}
