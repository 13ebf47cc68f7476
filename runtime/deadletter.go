package baldur

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
)

// DeadLetterSpec is what a generated decorator tells the runtime about a
// method annotated with dlq.
type DeadLetterSpec struct {
	// Signature identifies the method's parameter types. A letter captured
	// under another signature is parked with that reason, never decoded
	// into types it was not written from.
	Signature string
	// Replay decodes a captured call's arguments and makes the call again
	// through the protected path: idempotency, retry, breaker, timeout;
	// no fallback, no second capture.
	Replay func(ctx context.Context, args []byte) error
}

// WithDeadLetterStore keeps dead letters in s. Without one, a runtime
// whose decorators use dlq keeps them in memory and says once, at Warn,
// that they will not survive a restart.
func WithDeadLetterStore(s DeadLetterStore) Option {
	return func(rt *Runtime) error {
		if s == nil {
			return errors.New("baldur: WithDeadLetterStore: nil store")
		}
		rt.dlStore = s
		return nil
	}
}

// DeadLetteredError is what a call that failed for good gets once it has
// been captured. It matches ErrDeadLettered and unwraps to the call's own
// error.
type DeadLetteredError struct {
	Letter string // the letter's ID
	Err    error
}

func (e *DeadLetteredError) Error() string {
	return fmt.Sprintf("baldur: captured as dead letter %s for replay: %v", e.Letter, e.Err)
}
func (e *DeadLetteredError) Unwrap() error        { return e.Err }
func (e *DeadLetteredError) Is(target error) bool { return target == ErrDeadLettered }

// NotCapturedError is what a call gets when it failed for good and should
// have been captured, but the store did not take the letter: the error is
// the call's own, and Cause says why. A full store kept nothing; after a
// store's failure (a commit whose answer was lost) the letter may still
// have been kept, and be replayed.
type NotCapturedError struct {
	Err, Cause error
}

func (e *NotCapturedError) Error() string {
	return fmt.Sprintf("%v (the dead-letter store did not take the call: %v)", e.Err, e.Cause)
}
func (e *NotCapturedError) Unwrap() error { return e.Err }

type replayKey struct{}

// replaying reports whether ctx is a replay's: it is not captured again.
func replaying(ctx context.Context) bool { return ctx.Value(replayKey{}) != nil }

// Capture writes a call that failed for good with err as a dead letter,
// durably, before the caller is answered, and returns the error the
// caller (or its fallback) gets: a *DeadLetteredError around err, or err
// unchanged when the call is not one to capture. Business outcomes
// (ignore, DecideIgnore), Permanent errors, caller mistakes, a caller's
// cancellation, and errors that mean the method ran are never captured;
// nor is a replay. args are the call's arguments, in the generated codec's
// type; pc is its PolicyContext (nil for none).
func (p *Policy) Capture(ctx context.Context, pc *PolicyContext, args any, err error) error {
	if p.dl == nil || err == nil || replaying(ctx) || !p.finalFailure(ctx, pc, err) || IsPermanent(err) {
		return err
	}
	id, cerr := p.rt.letters().capture(ctx, p, pc, args, err)
	if cerr != nil {
		return &NotCapturedError{Err: err, Cause: cerr}
	}
	if pc != nil {
		pc.captured = true
	}
	return &DeadLetteredError{Letter: id, Err: err}
}

// finalFailure reports whether err, a call's final error, is a failure of
// the dependency that a fallback may answer and a dead letter may keep:
// not a business outcome, not a mistake of the caller, not the caller
// giving up, and not an error that means the method ran.
func (p *Policy) finalFailure(ctx context.Context, pc *PolicyContext, err error) bool {
	switch p.decide(ctx, pc, err) {
	case DecideIgnore:
		return false
	case DecideDefault:
		if p.ignores(err) {
			return false
		}
	}
	if p.idem != nil && matchesAny(err, callerErrors) {
		return false
	}
	if cerr := ctx.Err(); cerr != nil && errors.Is(cerr, context.Canceled) {
		return false
	}
	return true
}

func attemptsOf(err error) int {
	var re *RetryError
	if errors.As(err, &re) {
		return re.Attempts
	}
	return 1
}

func (q *deadLetterQueue) capture(ctx context.Context, p *Policy, pc *PolicyContext, args any, err error) (string, error) {
	raw, jerr := json.Marshal(args)
	if jerr != nil {
		return "", fmt.Errorf("encoding the arguments: %w", jerr)
	}
	now := q.rt.clock.Now()
	env := envelope{Args: raw, Err: err.Error(), Tenant: TenantFrom(ctx)}
	own := map[string]string{}
	if pc != nil {
		for i := range pc.fields {
			own[pc.fields[i].name] = pc.fields[i].Value()
		}
	}
	if extra, _ := ctx.Value(fieldsKey{}).([]Field); len(extra) > 0 {
		env.Extra = map[string]string{}
		for _, f := range extra {
			env.Extra[f.name] = f.str
		}
	}
	l := StoredLetter{
		Letter: Letter{
			ID: rand.Text(), Policy: p.name, Method: p.method, Attempts: attemptsOf(err),
			State: LetterPending, Created: now, LastFailed: now, NextReplay: now.Add(q.backoff(0)),
		},
		Signature: p.dl.Signature,
	}
	if pc != nil {
		l.Key = strings.Clone(pc.key) // never pc's own pointer: see PolicyContext
	}
	fields := maps.Clone(env.Extra)
	if fields == nil {
		fields = map[string]string{}
	}
	maps.Copy(fields, own) // the call's own fields win over middleware's
	if q.rt.sealer == nil {
		l.Fields = fields
	} else {
		env.Extra = fields // sealed with the rest: a field may be as private as an argument
	}
	body, serr := q.rt.sealBody(env)
	if serr != nil {
		return "", serr
	}
	l.Body = body
	sctx, cancel := q.storeContext(ctx)
	defer cancel()
	if perr := q.store.Put(sctx, l); perr != nil {
		q.rt.emit(ctx, Event{Kind: EventCaptureFailed, Policy: p.name, Method: p.method, Err: perr})
		return "", perr
	}
	q.rt.emit(ctx, Event{Kind: EventDeadLettered, Policy: p.name, Method: p.method, Letter: l.ID, Err: err})
	return l.ID, nil
}

// storeContext bounds a store operation, which runs even when the caller
// has already given up: the letter must be written before it is answered.
func (q *deadLetterQueue) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), q.cfg.StoreTimeout.v)
}

// DecodeArgs decodes a dead letter's arguments into v, the method's
// generated codec type. A letter that does not decode never will: the
// error is permanent, and the letter is parked with it.
func DecodeArgs(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return Permanent(fmt.Errorf("baldur: decoding a dead letter's arguments: %w", err))
	}
	return nil
}
