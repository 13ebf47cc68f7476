package baldur

import "reflect"

// Opt is one setting of a configuration level: either set to a value or
// not set, in which case the level below decides. The zero Opt is not set,
// so a Config literal names only what it changes:
//
//	baldur.PolicyConfig{Retry: baldur.RetryConfig{Attempts: baldur.Set(6)}}
//
// Zero is a value like any other: Set(0 * time.Second) turns a timeout
// off, where leaving it unset keeps the level below's.
type Opt[T any] struct {
	v  T
	ok bool
}

// Set returns an Opt set to v.
func Set[T any](v T) Opt[T] { return Opt[T]{v: v, ok: true} }

// Value is the setting's value, or T's zero value when it is not set. In
// a resolved configuration (Policy.Config, CircuitBreaker.Config) every
// setting is set.
func (o Opt[T]) Value() T { return o.v }

// Get returns the value and whether it is set.
func (o Opt[T]) Get() (T, bool) { return o.v, o.ok }

// IsSet reports whether the setting is set at this level.
func (o Opt[T]) IsSet() bool { return o.ok }

// opt is how the configuration machinery reads and writes any Opt through
// reflection without knowing T.
type opt interface {
	isSet() bool
	value() reflect.Value
	set(v reflect.Value)
	elem() reflect.Type
}

func (o *Opt[T]) isSet() bool          { return o.ok }
func (o *Opt[T]) value() reflect.Value { return reflect.ValueOf(&o.v).Elem() }
func (o *Opt[T]) set(v reflect.Value)  { reflect.ValueOf(&o.v).Elem().Set(v); o.ok = true }
func (o *Opt[T]) elem() reflect.Type   { return reflect.TypeFor[T]() }

var optType = reflect.TypeFor[opt]()

// asOpt returns the Opt behind an addressable value, or nil when v is not
// one.
func asOpt(v reflect.Value) opt {
	if v.CanAddr() && v.Addr().Type().Implements(optType) {
		return v.Addr().Interface().(opt)
	}
	return nil
}
