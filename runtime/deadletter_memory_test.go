package baldur_test

import (
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/store/lettertest"
)

func TestMemoryDeadLetterStore(t *testing.T) {
	lettertest.Run(t, lettertest.Backend{
		Open:     func(*testing.T) baldur.DeadLetterStore { return baldur.NewMemoryDeadLetterStore(0) },
		OpenFull: func(_ *testing.T, n int) baldur.DeadLetterStore { return baldur.NewMemoryDeadLetterStore(n) },
	})
}
