// Package nocontext protects methods that take no context.Context.
package nocontext

// Cache is an old API without contexts.
type Cache interface {
	//baldur:protected retry=3 breaker fallback=stale
	Lookup(key string) (string, error)
	//baldur:protected retry=2
	Flush() error
	// Deduplicated without a context: the runtime's own context carries it.
	//baldur:protected idempotency_key=key retry=2
	Load(key string, size int) ([]byte, error)
}

func stale(key string, err error) (string, error) { return "stale:" + key, nil }
