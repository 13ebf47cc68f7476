package baldur

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The value types of settings that are neither numbers, booleans, strings
// nor durations. Each reads and writes its YAML form as text, so the
// configuration machinery needs to know nothing about them.

// Backoff selects how the delay grows from one retry to the next.
type Backoff int

const (
	// ExponentialBackoff multiplies the delay by Multiplier on each retry.
	ExponentialBackoff Backoff = iota
	// ConstantBackoff waits InitialDelay before every retry.
	ConstantBackoff
)

var backoffNames = []string{ExponentialBackoff: "exponential", ConstantBackoff: "constant"}

func (b Backoff) String() string                { return enumString(backoffNames, b) }
func (b Backoff) MarshalText() ([]byte, error)  { return []byte(b.String()), nil }
func (b *Backoff) UnmarshalText(t []byte) error { return enumParse(backoffNames, t, b) }
func (v Backoff) check() string                 { return enumCheck(backoffNames, v) }
func (Backoff) choices() []string               { return backoffNames }

// Jitter selects how a backoff delay is randomised.
type Jitter int

const (
	// FullJitter draws the delay uniformly from [0, capped delay].
	FullJitter Jitter = iota
	// NoJitter uses the capped delay as is.
	NoJitter
)

var jitterNames = []string{FullJitter: "full", NoJitter: "none"}

func (j Jitter) String() string                { return enumString(jitterNames, j) }
func (j Jitter) MarshalText() ([]byte, error)  { return []byte(j.String()), nil }
func (j *Jitter) UnmarshalText(t []byte) error { return enumParse(jitterNames, t, j) }
func (v Jitter) check() string                 { return enumCheck(jitterNames, v) }
func (Jitter) choices() []string               { return jitterNames }

// WindowKind selects how a breaker's sliding window is measured.
type WindowKind int

const (
	// CountWindow keeps the outcomes of the last Size calls.
	CountWindow WindowKind = iota
	// TimeWindow keeps the outcomes of the calls of the last Span.
	TimeWindow
)

var windowNames = []string{CountWindow: "count", TimeWindow: "time"}

func (w WindowKind) String() string                { return enumString(windowNames, w) }
func (w WindowKind) MarshalText() ([]byte, error)  { return []byte(w.String()), nil }
func (w *WindowKind) UnmarshalText(t []byte) error { return enumParse(windowNames, t, w) }
func (v WindowKind) check() string                 { return enumCheck(windowNames, v) }
func (WindowKind) choices() []string               { return windowNames }

// MissingKey says what a call whose idempotency key is missing does.
type MissingKey int

const (
	// MissingKeyError refuses the call with ErrMissingKey.
	MissingKeyError MissingKey = iota
	// MissingKeyRun runs the call without deduplication.
	MissingKeyRun
)

var missingKeyNames = []string{MissingKeyError: "error", MissingKeyRun: "run"}

func (m MissingKey) String() string                { return enumString(missingKeyNames, m) }
func (m MissingKey) MarshalText() ([]byte, error)  { return []byte(m.String()), nil }
func (m *MissingKey) UnmarshalText(t []byte) error { return enumParse(missingKeyNames, t, m) }
func (v MissingKey) check() string                 { return enumCheck(missingKeyNames, v) }
func (MissingKey) choices() []string               { return missingKeyNames }

func enumString[T ~int](names []string, v T) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return "unknown(" + strconv.Itoa(int(v)) + ")"
}

// enumCheck refuses a value set in Go that is none of the names.
func enumCheck[T ~int](names []string, v T) string {
	if v < 0 || int(v) >= len(names) {
		return fmt.Sprintf("%d is not a value; expected %s", int(v), quotedChoices(names))
	}
	return ""
}

func enumParse[T ~int](names []string, text []byte, dst *T) error {
	for i, n := range names {
		if n == string(text) {
			*dst = T(i)
			return nil
		}
	}
	return errors.New("expected " + quotedChoices(names))
}

// quotedChoices lists names as `one of "a", "b" or "c"`.
func quotedChoices(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "one of " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// InFlight says what a duplicate of a call that is still running does:
// wait for its outcome (the zero value, InFlightWait), fail at once with
// ErrInFlight (InFlightFail), or wait at most a while (InFlightWaitAtMost).
type InFlight struct {
	fail bool
	max  time.Duration
}

var (
	// InFlightWait waits for the running call's outcome, or until the
	// caller's context ends.
	InFlightWait = InFlight{}
	// InFlightFail answers ErrInFlight at once.
	InFlightFail = InFlight{fail: true}
)

// InFlightWaitAtMost waits for the running call's outcome at most d, then
// answers ErrInFlight.
func InFlightWaitAtMost(d time.Duration) InFlight { return InFlight{max: d} }

// Fails reports whether a duplicate fails at once.
func (f InFlight) Fails() bool { return f.fail }

// MaxWait is how long a duplicate waits at most; zero means until the
// outcome (or, when Fails, not at all).
func (f InFlight) MaxWait() time.Duration { return f.max }

func (f InFlight) String() string {
	switch {
	case f.fail:
		return "fail"
	case f.max > 0:
		return f.max.String()
	}
	return "wait"
}

func (f InFlight) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

func (f *InFlight) UnmarshalText(t []byte) error {
	switch s := string(t); s {
	case "wait":
		*f = InFlightWait
	case "fail":
		*f = InFlightFail
	default:
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New(`expected "wait", "fail" or a duration such as "2s"`)
		}
		*f = InFlightWaitAtMost(d)
	}
	return nil
}

func (f InFlight) check() string {
	if !f.fail && (f.max < 0 || f.max > 24*time.Hour) {
		return fmt.Sprintf("a wait of %v is out of range (0s, 24h]", f.max)
	}
	return ""
}

// ByteSize is a number of bytes, written in YAML as 65536, 64KiB, 64MiB,
// 1GiB (powers of 1024) or 64kB, 64MB, 1GB (powers of 1000).
type ByteSize int64

var byteUnits = []struct {
	name string
	n    int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"B", 1}}

func (b ByteSize) String() string {
	for _, u := range byteUnits[:4] {
		if b != 0 && int64(b)%u.n == 0 {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

func (b *ByteSize) UnmarshalText(t []byte) error {
	s := string(t)
	mult := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.name); ok {
			s, mult = num, u.n
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || (n > 0 && mult > (1<<62)/n) {
		return errors.New(`expected a size such as "64MiB", "512KiB" or "1048576"`)
	}
	*b = ByteSize(n * mult)
	return nil
}
