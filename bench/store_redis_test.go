package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/baldur-go/baldur/bench/svc"
	"github.com/baldur-go/baldur/runtime/store/redisstore"
)

// casSet is redisstore's completing write, the token-fenced
// compare-and-set any correct implementation needs (a late owner must not
// overwrite its successor): the floor uses the same script.
var casSet = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur or string.match(cur, '^1|%d|%d+|([^|]*)|') ~= ARGV[1] then
	return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// redisRecord is a record as redisstore writes it, for the floor to write
// the same bytes.
func redisRecord(state int, token string) string {
	const fp = "1f5a8c2ed3b4d8a7e6f9c0b1a2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5"
	v := ""
	if state == 2 {
		v = `{"r0":100}`
	}
	return strings.Join([]string{"1", strconv.Itoa(state), strconv.FormatInt(time.Now().Add(24*time.Hour).UnixMilli(), 10), token, fp, v}, "|")
}

// BenchmarkRedisIdempotency compares Orders.Place, deduplicated on Redis,
// with the round trips it cannot avoid, on the same client: a unique key is
// a claim (SET NX PX GET) and a completing write (the compare-and-set
// script); a duplicate is one read (GET). impl=baldur calls with
// context.Background(), which cannot be cancelled, so the call runs on the
// caller's goroutine; impl=baldur-cancellable with a context that can be,
// as a request's, so it runs on a goroutine of the runtime and the caller
// waits for it. impl=floor-bounded gives each command a deadline, as
// code that must not hang on a store does (and as the runtime does).
func BenchmarkRedisIdempotency(b *testing.B) {
	// ContextTimeoutEnabled: the client bounds its commands by their
	// context, so the store says it is bounded (see redisstore).
	c := redis.NewClient(&redis.Options{Addr: serverOrSkip(b, envRedis), ContextTimeoutEnabled: true})
	defer c.Close()
	prefix := uniquePrefix()
	b.Cleanup(func() {
		ctx := context.Background()
		for it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator(); it.Next(ctx); {
			c.Del(ctx, it.Val())
		}
	})
	d := svc.NewOrdersProtected(orders{}, storeRuntime(b, redisstore.New(c, redisstore.WithPrefix(prefix))))
	px := strconv.FormatInt((24*time.Hour + time.Minute).Milliseconds(), 10)
	if err := casSet.Load(ctx, c).Err(); err != nil {
		b.Fatal(err)
	}
	stored := prefix + "floor-stored"
	if err := c.Set(ctx, stored, redisRecord(2, rand.Text()), 0).Err(); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Place(ctx, "stored", 100); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 16} {
		g := "/goroutines=" + strconv.Itoa(n)
		b.Run("impl=floor/key=unique"+g, func(b *testing.B) {
			run := rand.Text() // the harness calls this function several times
			goroutines(b, n, func(i int64) {
				k, token := prefix+run+itoa(i), rand.Text()
				if err := c.Do(ctx, "SET", k, redisRecord(1, token), "PX", px, "NX", "GET").Err(); !errors.Is(err, redis.Nil) {
					panic(err)
				}
				if err := casSet.Run(ctx, c, []string{k}, token, redisRecord(2, token), px).Err(); err != nil {
					panic(err)
				}
			})
		})
		b.Run("impl=floor-bounded/key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) {
				k, token := prefix+run+itoa(i), rand.Text()
				bounded(func(ctx context.Context) {
					if err := c.Do(ctx, "SET", k, redisRecord(1, token), "PX", px, "NX", "GET").Err(); !errors.Is(err, redis.Nil) {
						panic(err)
					}
				})
				bounded(func(ctx context.Context) {
					if err := casSet.Run(ctx, c, []string{k}, token, redisRecord(2, token), px).Err(); err != nil {
						panic(err)
					}
				})
			})
		})
		b.Run("impl=baldur/key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) { must2(d.Place(ctx, run+itoa(i), 100)) })
		})
		b.Run("impl=baldur-cancellable/key=unique"+g, func(b *testing.B) {
			run := rand.Text()
			goroutines(b, n, func(i int64) { must2(d.Place(requestCtx, run+itoa(i), 100)) })
		})
		b.Run("impl=floor/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) {
				if err := c.Get(ctx, stored).Err(); err != nil {
					panic(err)
				}
			})
		})
		b.Run("impl=floor-bounded/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) {
				bounded(func(ctx context.Context) {
					if err := c.Get(ctx, stored).Err(); err != nil {
						panic(err)
					}
				})
			})
		})
		b.Run("impl=baldur/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) { must2(d.Place(ctx, "stored", 100)) })
		})
		b.Run("impl=baldur-cancellable/key=stored"+g, func(b *testing.B) {
			goroutines(b, n, func(int64) { must2(d.Place(requestCtx, "stored", 100)) })
		})
	}
}

func must2(_ int64, err error) {
	if err != nil {
		panic(err)
	}
}
