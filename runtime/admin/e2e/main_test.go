package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// The runtime's timers and chromedp's readers must all have stopped once
// the browser is closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
