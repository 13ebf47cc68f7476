// Package other declares types that annotated interfaces elsewhere use.
package other

// Token is exported and usable anywhere.
type Token struct{ Value string }

type secret struct{ v int }

// Secret returns an unexported type, which another package cannot name.
func Secret() secret { return secret{} }

// Reader is an interface to embed from another package.
type Reader interface {
	Read(id string) ([]byte, error)
}

// Leaky's method returns an unexported type: it can be embedded elsewhere
// but a decorator outside this package cannot spell its signature.
type Leaky interface {
	Leak(id string) (secret, error)
}

// Sealed has an unexported method: only this package can implement it.
type Sealed interface {
	Open() error
	seal()
}
