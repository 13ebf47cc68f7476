package parser

import (
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// annotation is what one directive, or an interface's defaults merged with
// a method's directive, says. A nil field was not written.
type annotation struct {
	Pos      token.Position
	Name     *typedValue[string]
	Retry    *typedValue[int] // RetryDefault, 0 for off, or attempts
	Breaker  *typedValue[string]
	Timeout  *typedValue[time.Duration]
	Fallback *typedValue[identRef]
	RetryOn  *typedValue[[]identRef]
	AbortOn  *typedValue[[]identRef]
	Ignore   *typedValue[[]identRef]
	// Idempotent marks a method that is safe to repeat, which retry
	// otherwise warns about.
	Idempotent *typedValue[bool]
	// IdempotencyKey is the parameter path whose value deduplicates calls;
	// IdempotencyTTL is how long a result answers duplicates.
	IdempotencyKey *typedValue[keyPath]
	IdempotencyTTL *typedValue[time.Duration]
	// Context are extra PolicyContext fields, Sensitive the values kept
	// out of them; BreakerKey names the field that keys the breaker.
	Context    *typedValue[[]fieldPath]
	Sensitive  *typedValue[[]fieldPath]
	BreakerKey *typedValue[fieldPath]
	Classify   *typedValue[identRef]
	DLQ        *typedValue[bool]
	// Fingerprint names the arguments an idempotency fingerprint encodes.
	Fingerprint *typedValue[nameList] // clients: fingerprint= (clients_check.go)
}

// fieldPath is a context=, sensitive= or breaker_key= element: a
// parameter, then fields, optionally named: orderID, req.Customer.Tier,
// segment:req.Customer.Tier.
type fieldPath struct {
	Name    string // "" unless written name:path
	NamePos token.Position
	Elems   []string
	Text    string // the path, without its name
	Pos     token.Position
}

// keyPath is an idempotency_key value: a parameter, then fields, the last
// element optionally a method called without arguments: orderID,
// req.Order.ID, req.Key().
type keyPath struct {
	Elems []string
	Call  bool
	Text  string
	Pos   token.Position
}

// RetryDefault is annotation.Retry for a bare `retry`.
const RetryDefault = -1

// Value is a typed annotation value and where its key was written.
type typedValue[T any] struct {
	V   T
	Pos token.Position
}

// identRef names a package-level identifier, optionally qualified by an import
// of the annotated file: `queuedCharge`, `io.EOF`.
type identRef struct {
	Qualifier string
	Name      string
	Pos       token.Position
	// Obj is what the reference resolved to, once resolved.
	Obj types.Object
}

func (r identRef) String() string {
	if r.Qualifier == "" {
		return r.Name
	}
	return r.Qualifier + "." + r.Name
}

type keySpec struct {
	value   string // "required", "optional" or "none"
	method  bool   // only on a method, never as an interface default
	planned string // not implemented yet: what it will belong to
}

var keys = map[string]keySpec{
	"name":            {value: "required", method: true},
	"retry":           {value: "optional"},
	"breaker":         {value: "optional"},
	"timeout":         {value: "required"},
	"fallback":        {value: "required", method: true},
	"retry_on":        {value: "required"},
	"abort_on":        {value: "required"},
	"ignore":          {value: "required"},
	"idempotent":      {value: "none"},
	"idempotency_key": {value: "required", method: true},
	"idempotency_ttl": {value: "required"},
	"fingerprint":     {value: "required", method: true}, // clients: clients_check.go
	"dlq":             {value: "none"},
	"context":         {value: "required", method: true},
	"sensitive":       {value: "required", method: true},
	"breaker_key":     {value: "required", method: true},
	"classify":        {value: "required"},
	"compensate":      {planned: "saga compensation"},
}

// validKeys are the keys accepted today, sorted.
var validKeys = func() []string {
	var ks []string
	for k, s := range keys {
		if s.planned == "" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}()

var policyName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

const (
	maxAttempts = 100
	maxTimeout  = 24 * time.Hour
	maxTTL      = 366 * 24 * time.Hour
	maxNameLen  = 100
)

// parseAnnotation turns a protected directive's arguments into typed
// values. onMethod is false for an interface's defaults.
func parseAnnotation(d *directive, onMethod bool) (*annotation, Diagnostics) {
	var diags Diagnostics
	a := &annotation{Pos: d.Pos}
	seen := map[string]token.Position{}
	for _, arg := range d.Args {
		spec, ok := keys[arg.Key]
		switch {
		case !ok:
			diags.add(arg.KeyPos, "unknown key %q%s; valid keys: %s", arg.Key, didYouMean(arg.Key, validKeys), strings.Join(validKeys, ", "))
			continue
		case spec.planned != "":
			diags.add(arg.KeyPos, "key %q is not supported yet: it belongs to %s, which this version of baldurgen does not implement", arg.Key, spec.planned)
			continue
		case spec.method && !onMethod:
			diags.add(arg.KeyPos, "key %q applies to one method; write it on the method, not on the interface", arg.Key)
			continue
		}
		if first, dup := seen[arg.Key]; dup {
			diags.add(arg.KeyPos, "duplicate key %q (first at %s)", arg.Key, shortPos(first, arg.KeyPos.Filename))
			continue
		}
		seen[arg.Key] = arg.KeyPos
		if spec.value == "required" && !arg.HasValue {
			diags.add(arg.KeyPos, "key %q needs a value: %s=...", arg.Key, arg.Key)
			continue
		}
		if spec.value == "none" && arg.HasValue {
			diags.add(arg.ValuePos, "key %q takes no value; write it bare", arg.Key)
			continue
		}
		if msg := a.set(arg); msg != "" {
			diags.add(arg.ValuePos, "%s", msg)
		}
	}
	return a, diags
}

// set stores one argument's value, or explains why it is not valid.
func (a *annotation) set(arg directiveArg) string {
	at := arg.KeyPos
	switch arg.Key {
	case "name":
		if msg := checkName("name", arg.Value); msg != "" {
			return msg
		}
		a.Name = &typedValue[string]{arg.Value, at}
	case "retry":
		n, msg := parseRetry(arg)
		if msg != "" {
			return msg
		}
		a.Retry = &typedValue[int]{n, at}
	case "breaker":
		if arg.HasValue {
			if msg := checkName("breaker", arg.Value); msg != "" {
				return msg
			}
		}
		a.Breaker = &typedValue[string]{arg.Value, at}
	case "idempotent":
		a.Idempotent = &typedValue[bool]{true, at}
	case "idempotency_key":
		k, msg := parseKeyPath(arg)
		if msg != "" {
			return msg
		}
		a.IdempotencyKey = &typedValue[keyPath]{k, at}
	case "fingerprint": // clients: clients_check.go
		return a.setFingerprint(arg)
	case "idempotency_ttl":
		d, err := time.ParseDuration(arg.Value)
		switch {
		case err != nil:
			return "idempotency_ttl " + strconv.Quote(arg.Value) + " is not a Go duration; write it like 24h or 90m"
		case d <= 0 || d > maxTTL:
			return "idempotency_ttl " + arg.Value + " is out of range: it must be more than 0 and at most 8784h (366 days)"
		}
		a.IdempotencyTTL = &typedValue[time.Duration]{d, at}
	case "timeout":
		d, err := time.ParseDuration(arg.Value)
		switch {
		case err != nil:
			return "timeout " + strconv.Quote(arg.Value) + " is not a Go duration; write it like 500ms, 2s or 1m30s"
		case d <= 0 || d > maxTimeout:
			return "timeout " + arg.Value + " is out of range: it must be more than 0 and at most 24h"
		}
		a.Timeout = &typedValue[time.Duration]{d, at}
	case "fallback":
		refs, msg := parseRefs(arg, false)
		if msg != "" {
			return msg
		}
		a.Fallback = &typedValue[identRef]{refs[0], at}
	case "dlq":
		a.DLQ = &typedValue[bool]{true, at}
	case "classify":
		refs, msg := parseRefs(arg, false)
		if msg != "" {
			return msg
		}
		a.Classify = &typedValue[identRef]{refs[0], at}
	case "context", "sensitive":
		paths, msg := parseFieldPaths(arg, arg.Key == "context")
		if msg != "" {
			return msg
		}
		if arg.Key == "context" {
			a.Context = &typedValue[[]fieldPath]{paths, at}
		} else {
			a.Sensitive = &typedValue[[]fieldPath]{paths, at}
		}
	case "breaker_key":
		paths, msg := parseFieldPaths(arg, false)
		switch {
		case msg != "":
			return msg
		case len(paths) > 1:
			return "breaker_key " + strconv.Quote(arg.Value) + " names several values; a breaker is keyed by one"
		}
		a.BreakerKey = &typedValue[fieldPath]{paths[0], at}
	case "retry_on", "abort_on", "ignore":
		refs, msg := parseRefs(arg, true)
		if msg != "" {
			return msg
		}
		v := &typedValue[[]identRef]{refs, at}
		switch arg.Key {
		case "retry_on":
			a.RetryOn = v
		case "abort_on":
			a.AbortOn = v
		default:
			a.Ignore = v
		}
	}
	return ""
}

// merge returns the interface defaults d overlaid by the method's own m.
func merge(d, m *annotation) *annotation {
	if d == nil {
		return m
	}
	if m == nil {
		c := *d
		return &c
	}
	out := *m
	if out.Retry == nil {
		out.Retry = d.Retry
	}
	if out.Breaker == nil {
		out.Breaker = d.Breaker
	}
	if out.Timeout == nil {
		out.Timeout = d.Timeout
	}
	if out.RetryOn == nil {
		out.RetryOn = d.RetryOn
	}
	if out.AbortOn == nil {
		out.AbortOn = d.AbortOn
	}
	if out.Ignore == nil {
		out.Ignore = d.Ignore
	}
	if out.Idempotent == nil {
		out.Idempotent = d.Idempotent
	}
	if out.IdempotencyTTL == nil {
		out.IdempotencyTTL = d.IdempotencyTTL
	}
	if out.Classify == nil {
		out.Classify = d.Classify
	}
	if out.DLQ == nil {
		out.DLQ = d.DLQ
	}
	return &out
}
