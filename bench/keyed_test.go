package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/baldur-go/baldur/bench/svc"
	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/baldurtest"
)

// hosts is Hosts' dependency: it always succeeds.
type hosts struct{}

func (hosts) Get(context.Context, string) error       { return nil }
func (hosts) GetShared(context.Context, string) error { return nil }

var hostsOK svc.Hosts = hosts{}

// keyedConfig keeps up to 1,000 breakers of hosts, the default written out.
const keyedConfig = `
breakers:
  hosts: {max_keys: 1000}
`

// BenchmarkKeyedBreakerParallel: calls spread over many hosts, under
// RunParallel, through a breaker per host against one breaker for all.
// "keyed-1000" calls 1,000 hosts, each keeping its breaker; "keyed-churn"
// calls 10,000, ten times max_keys, so breakers are dropped and made again
// all the time. Each reports the breakers the runtime holds at the end:
// never more than max_keys plus the shared one.
func BenchmarkKeyedBreakerParallel(b *testing.B) {
	names := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("db-%05d.internal", i)
		}
		return out
	}
	cases := []struct {
		name  string
		hosts []string
		call  func(d *svc.HostsProtected, host string) error
	}{
		{"unkeyed", names(1000), func(d *svc.HostsProtected, h string) error { return d.GetShared(ctx, h) }},
		{"keyed-1000", names(1000), func(d *svc.HostsProtected, h string) error { return d.Get(ctx, h) }},
		{"keyed-churn", names(10000), func(d *svc.HostsProtected, h string) error { return d.Get(ctx, h) }},
	}
	// The floor of a breaker per key: finding the key's entry in a map of
	// 1,000 hosts, then the bare call; a keyed breaker does that lookup
	// and then what the unkeyed one does.
	b.Run("floor-map-lookup", func(b *testing.B) {
		hs := names(1000)
		byHost := make(map[string]*struct{ calls int }, len(hs))
		for _, h := range hs {
			byHost[h] = &struct{ calls int }{}
		}
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(7919))
			var sum int64
			for pb.Next() {
				if i++; i >= len(hs) {
					i = 0
				}
				if byHost[hs[i]] != nil {
					sum += must(hostsOK.GetShared(ctx, hs[i]))
				}
			}
			sink.Add(sum)
		})
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			rt := baldurtest.NewRuntime(b, baldur.WithConfigYAML([]byte(keyedConfig)))
			d := svc.NewHostsProtected(hostsOK, rt)
			var next atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919)) // each goroutine starts elsewhere in the list
				var sum int64
				for pb.Next() {
					if i++; i >= len(c.hosts) {
						i = 0
					}
					sum += must(c.call(d, c.hosts[i]))
				}
				sink.Add(sum)
			})
			b.ReportMetric(float64(len(rt.Breakers())), "breakers")
		})
	}
}
