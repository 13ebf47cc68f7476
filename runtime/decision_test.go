package baldur_test

import (
	"context"
	"errors"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
)

// A call captured as a dead letter stays that error for a caller without
// a fallback, even when its last attempt's results were judged a failure
// that FinalError would otherwise turn back into the success it was.
func TestFinalErrorKeepsADeadLetter(t *testing.T) {
	e := newEnv(t, zeroDelay)
	p := e.policy(baldur.Spec{Name: "health", Retry: true, Attempts: 2, JudgesResults: true})
	pc := p.Call()
	err := p.Do(bg, &pc, func(context.Context) error { return p.Judge(baldur.DecideRetry, nil) })
	captured := &baldur.DeadLetteredError{Letter: "l-1", Err: err}
	if got := p.FinalError(captured); got != error(captured) {
		t.Fatalf("FinalError(%v) = %v, want the dead-lettered error unchanged", captured, got)
	}
	if got := p.FinalError(err); got != nil {
		t.Fatalf("FinalError of the judged retries = %v, want the last success", got)
	}
}

type badText struct{}

func (badText) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

// A key that cannot be made is the caller's mistake, like any invalid key.
func TestTextKeyErrorIsAnInvalidKey(t *testing.T) {
	if _, err := baldur.TextKey(badText{}); !errors.Is(err, baldur.ErrInvalidKey) {
		t.Fatalf("TextKey error %v, want ErrInvalidKey", err)
	}
}
