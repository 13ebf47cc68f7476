package redisbaldur_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/redisbaldur"
)

// A missing key is an answer. Today's default retries it to the limit and
// counts each miss against the breaker; ignore=redis.Nil (a sentinel: no
// matcher needed) returns it at once, uncounted.
func TestNilIsABusinessOutcome(t *testing.T) {
	c, prefix := shared(t)
	var gets int
	get := func(p *baldur.Policy) error {
		return p.Do(bg, nil, func(ctx context.Context) error {
			gets++
			return c.Get(ctx, prefix+"missing").Err()
		})
	}
	rt := newRuntime(t, noDelay)
	err := get(rt.Policy(baldur.Spec{Name: "plain", Method: "t.Cache.GetA", Retry: true, Attempts: 3}))
	if gets != 3 || !errors.Is(err, redis.Nil) {
		t.Fatalf("without ignore: %d gets, err %v; expected today's 3", gets, err)
	}
	if d := redisbaldur.Classify(baldur.PolicyContext{}, err); d != baldur.DecideIgnore {
		t.Fatalf("Classify(redis.Nil) = %v, want ignore", d)
	}

	p := rt.Policy(baldur.Spec{Name: "cache", Method: "t.Cache.GetB", Retry: true, Attempts: 3, Breaker: "cache", Ignore: []error{redis.Nil}})
	gets = 0
	for range 10 {
		if err := get(p); err != redis.Nil {
			t.Fatalf("err %v, want redis.Nil as is", err)
		}
	}
	if m := p.Breaker().Metrics(); gets != 10 || m.Calls != 0 {
		t.Fatalf("%d gets for 10 misses, breaker %+v; want 10 and nothing counted", gets, m)
	}
}

// A reply about the command is an answer too.
func TestWrongTypeIsAnAnswer(t *testing.T) {
	c, prefix := shared(t)
	if err := c.Set(bg, prefix+"s", "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	err := c.LPush(bg, prefix+"s", "x").Err()
	if d := redisbaldur.Classify(baldur.PolicyContext{}, fmt.Errorf("push: %w", err)); d != baldur.DecideIgnore {
		t.Fatalf("Classify(%v) = %v, want ignore", err, d)
	}
	if !redisbaldur.Reply("WRONGTYPE").MatchError(err) || redisbaldur.Transient.MatchError(err) {
		t.Fatalf("matchers wrong for %v", err)
	}
}

// reply is a server reply as go-redis types them (a redis.Error).
type reply string

func (r reply) Error() string { return string(r) }
func (reply) RedisError()     {}

func TestClassifyReplies(t *testing.T) {
	for err, want := range map[error]baldur.Decision{
		reply("LOADING Redis is loading the dataset in memory"):         baldur.DecideRetry,
		reply("READONLY You can't write against a read only replica."):  baldur.DecideRetry,
		reply("TRYAGAIN Multiple keys request during rehashing"):        baldur.DecideRetry,
		reply("ERR max number of clients reached"):                      baldur.DecideRetry,
		reply("OOM command not allowed when used memory > 'maxmemory'"): baldur.DecideFail,
		reply("NOAUTH Authentication required."):                        baldur.DecideFail,
		reply("ERR syntax error"):                                       baldur.DecideIgnore,
		redis.ErrPoolTimeout:                                            baldur.DecideRetry,
		&baldur.TimeoutError{Err: context.DeadlineExceeded}:             baldur.DecideDefault,
		errors.New("read tcp: i/o timeout"):                             baldur.DecideDefault,
	} {
		if got := redisbaldur.Classify(baldur.PolicyContext{}, err); got != want {
			t.Errorf("%v: %v, want %v", err, got, want)
		}
	}
}
