package baldur

import (
	"context"
	"iter"
	"log/slog"
	"strconv"
	"strings"
)

// PolicyContext is what a decision (classify, an override, a keyed
// breaker) and every Event know about the call: its policy, method and
// attempt, its idempotency key, and its business fields, taken from the
// call's own parameters (every parameter of a basic kind, under its name
// in snake_case, and the annotation's context= paths) and from
// WithFields in the context. Fields marked sensitive are never in it.
//
// It is a small value, cheap to copy. The generated decorator gathers the
// fields only when a decision or an event will read them, so a policy
// whose calls nobody inspects pays nothing for them.
//
// A call's own PolicyContext lives on its caller's stack. The runtime
// never lets a pointer it loads from one reach the heap (Go's escape
// analysis does not tell a struct's fields apart, so one such load would
// move every call's fields to the heap): what it keeps, an event or a
// classifier's argument, is a detached copy.
type PolicyContext struct {
	p       *Policy
	attempt int
	key     string
	// fields are the call's own, in parameter order; a detached copy
	// also carries, after them, those middleware set (WithFields) that the
	// call does not have.
	fields []Field

	// The classifier's decision on the error of attempt decided.
	decision Decision
	// What became of the call, for the interceptor's end.
	end func(CallEnd)
	// decided sits with the flags: every call zeroes its PolicyContext,
	// so each word it does not have is a store saved.
	decided                      int32
	fellBack, captured, answered bool
}

// Field is one business field of a call: a name and a string, integer or
// boolean value. Generated code builds them with String, Int, Uint and
// Bool; formatting waits until someone reads the value.
type Field struct {
	name string
	str  string
	num  uint64
	kind fieldKind
}

type fieldKind uint8

const (
	fieldString fieldKind = iota + 1
	fieldInt
	fieldUint
	fieldBool
)

// String, Int, Uint and Bool make a field.
func String(name, v string) Field      { return Field{name: name, str: v, kind: fieldString} }
func Int(name string, v int64) Field   { return Field{name: name, num: uint64(v), kind: fieldInt} }
func Uint(name string, v uint64) Field { return Field{name: name, num: v, kind: fieldUint} }
func Bool(name string, v bool) Field {
	f := Field{name: name, kind: fieldBool}
	if v {
		f.num = 1
	}
	return f
}

// SetString, SetInt, SetUint and SetBool make f a field in place. Generated
// code fills the fields' array with them: a Field built by String and
// copied into the array is written word by word and read back in wider
// loads, which the CPU cannot forward from its store buffer, and that
// stall cost more than the rest of gathering the fields.
func (f *Field) SetString(name, v string) { f.name, f.str, f.num, f.kind = name, v, 0, fieldString }
func (f *Field) SetInt(name string, v int64) {
	f.name, f.str, f.num, f.kind = name, "", uint64(v), fieldInt
}
func (f *Field) SetUint(name string, v uint64) { f.name, f.str, f.num, f.kind = name, "", v, fieldUint }
func (f *Field) SetBool(name string, v bool) {
	f.name, f.str, f.num, f.kind = name, "", 0, fieldBool
	if v {
		f.num = 1
	}
}

// Name is the field's name.
func (f Field) Name() string { return f.name }

// Value is the field's value as text: strconv's form of a number or a
// boolean.
func (f Field) Value() string {
	switch f.kind {
	case fieldInt:
		return strconv.FormatInt(int64(f.num), 10)
	case fieldUint:
		return strconv.FormatUint(f.num, 10)
	case fieldBool:
		return strconv.FormatBool(f.num == 1)
	}
	return f.str
}

// equals reports whether the field's value reads as s, without
// formatting it.
func (f *Field) equals(s string) bool {
	switch f.kind {
	case fieldString:
		return f.str == s
	case fieldInt:
		n, err := strconv.ParseInt(s, 10, 64)
		return err == nil && n == int64(f.num)
	case fieldUint:
		n, err := strconv.ParseUint(s, 10, 64)
		return err == nil && n == f.num
	case fieldBool:
		b, err := strconv.ParseBool(s)
		return err == nil && b == (f.num == 1)
	}
	return false
}

func (f Field) attr() slog.Attr {
	switch f.kind {
	case fieldInt:
		return slog.Int64(f.name, int64(f.num))
	case fieldUint:
		return slog.Uint64(f.name, f.num)
	case fieldBool:
		return slog.Bool(f.name, f.num == 1)
	}
	return slog.String(f.name, f.str)
}

type fieldsKey struct{}

// WithFields returns a context whose protected calls carry the given
// fields, as name, value pairs: middleware sets what the parameters do
// not say (the tenant, the customer's tier). A parameter's field of the
// same name wins. An odd trailing name is dropped.
func WithFields(ctx context.Context, nameValues ...string) context.Context {
	prev, _ := ctx.Value(fieldsKey{}).([]Field)
	fs := make([]Field, 0, len(prev)+len(nameValues)/2)
	fs = append(fs, prev...)
	for i := 0; i+1 < len(nameValues); i += 2 {
		fs = append(fs, String(nameValues[i], nameValues[i+1]))
	}
	return context.WithValue(ctx, fieldsKey{}, fs)
}

// Policy is the policy's name.
func (c PolicyContext) Policy() string {
	if c.p == nil {
		return ""
	}
	return c.p.name
}

// Method is the protected method, as its Spec names it.
func (c PolicyContext) Method() string {
	if c.p == nil {
		return ""
	}
	return c.p.method
}

// Attempt is the attempt the context is for, 1-based; 0 outside an
// attempt (a fallback's decision, say).
func (c PolicyContext) Attempt() int { return c.attempt }

// Key is the call's idempotency key, or "" without one.
func (c PolicyContext) Key() string { return c.key }

// Field returns the value of the field called name: the call's own
// first, then those set with WithFields.
func (c PolicyContext) Field(name string) (string, bool) {
	if f := c.field(name); f != nil {
		return f.Value(), true
	}
	return "", false
}

// Fields yields every field, name and value: the call's own in the order
// of the method's parameters, then those set with WithFields that the
// call does not have.
func (c PolicyContext) Fields() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for f := range c.all() {
			if !yield(f.name, f.Value()) {
				return
			}
		}
	}
}

// all yields the fields as Field values: the call's own, then the
// middleware's.
func (c PolicyContext) all() iter.Seq[Field] {
	return func(yield func(Field) bool) {
		for _, f := range c.fields {
			if !yield(f) {
				return
			}
		}
	}
}

// field returns the Field called name without formatting it, by element
// and with plain loops: overrides and keyed breakers call it on every
// call.
func (c *PolicyContext) field(name string) *Field {
	for i := range c.fields {
		if c.fields[i].name == name {
			return &c.fields[i]
		}
	}
	return nil
}

// LogValue renders the context as slog attributes: policy, method,
// attempt, key and the fields in a group. Handlers quote and escape the
// values, so a key such as "o-1\nlevel=ERROR" stays inside its record.
func (c PolicyContext) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 5)
	if p := c.Policy(); p != "" {
		attrs = append(attrs, slog.String("policy", p))
	}
	if m := c.Method(); m != "" {
		attrs = append(attrs, slog.String("method", m))
	}
	if c.attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", c.attempt))
	}
	if c.key != "" {
		attrs = append(attrs, slog.String("key", c.key))
	}
	var fields []slog.Attr
	for f := range c.all() {
		fields = append(fields, f.attr())
	}
	if len(fields) > 0 {
		attrs = append(attrs, slog.Attr{Key: "fields", Value: slog.GroupValue(fields...)})
	}
	return slog.GroupValue(attrs...)
}

// detached is a copy of c, the call of p in ctx, that owns everything it
// points to, so that it may be kept after the call: it copies c's fields
// by element and its key by bytes, and adds the fields middleware set in
// ctx that the call does not have.
func (c *PolicyContext) detached(p *Policy, ctx context.Context) PolicyContext {
	d := c.detachedFields(p, ctx)
	d.key = strings.Clone(c.key)
	return d
}

// detachedFields is detached without the key, for a caller that has the
// key at hand and can give it without copying it.
func (c *PolicyContext) detachedFields(p *Policy, ctx context.Context) PolicyContext {
	d := PolicyContext{p: p, attempt: c.attempt}
	var mw []Field
	if ctx != nil {
		mw, _ = ctx.Value(fieldsKey{}).([]Field)
	}
	if n := len(c.fields) + len(mw); n > 0 {
		d.fields = make([]Field, len(c.fields), n)
		for i := range c.fields {
			d.fields[i] = c.fields[i]
		}
	}
	for _, f := range mw {
		if d.field(f.name) == nil {
			d.fields = append(d.fields, f)
		}
	}
	return d
} // Decision is what a classify function says about an attempt's outcome.
type Decision int

const (
	// DecideDefault leaves the decision to ignore, abort_on, retry_on and
	// the built-in rules.
	DecideDefault Decision = iota
	// DecideRetry retries, if attempts and the retry budget remain.
	DecideRetry
	// DecideFail stops retrying; the outcome counts as a failure, and the
	// fallback (or dead-letter capture) follows.
	DecideFail
	// DecideIgnore makes the outcome a business answer: returned as is,
	// not a breaker failure, not retried, not handed to the fallback.
	DecideIgnore
)

var decisionNames = []string{DecideDefault: "default", DecideRetry: "retry", DecideFail: "fail", DecideIgnore: "ignore"}

func (d Decision) String() string { return enumString(decisionNames, d) }
