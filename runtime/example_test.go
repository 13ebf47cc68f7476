package baldur_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	baldur "github.com/baldur-go/baldur/runtime"
)

// A Policy is what a generated decorator builds for each protected method;
// hand-written code can use one directly.
func ExampleRuntime_Policy() {
	rt, err := baldur.New(
		baldur.WithConfigYAML([]byte(`
policies:
  quote:
    retry: {attempts: 3, initial_delay: 0s}
breakers:
  quote: {size: 10, minimum_calls: 10}
`)),
		baldur.WithLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	quote := rt.Policy(baldur.Spec{Name: "quote", Retry: true, Breaker: "quote"})

	calls := 0
	err = quote.Do(context.Background(), nil, func(ctx context.Context) error {
		calls++
		return errors.New("upstream 503")
	})
	var re *baldur.RetryError
	fmt.Println(calls, errors.As(err, &re), re.Attempts)
	fmt.Println(quote.Breaker().Metrics().Failures)
	// Output:
	// 3 true 3
	// 3
}

func ExampleParseConfig() {
	_, err := baldur.ParseConfig("baldur.yaml", []byte("defaults:\n  retry: {atempts: 3}\n"))
	fmt.Println(err)
	// Output:
	// baldur.yaml:2:11: unknown key "atempts" in defaults.retry; did you mean "attempts"? (valid keys: attempts, backoff, initial_delay, jitter, max_delay, multiplier)
}
