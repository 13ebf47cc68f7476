package baldur

import (
	"reflect"
	"sync"
)

// copyableTypes caches copyable's answer per type.
var copyableTypes sync.Map // reflect.Type → bool

// copyable reports whether a copy of an R shares nothing that either copy
// can write: R holds no pointers, slices, maps, interfaces, channels or
// functions, at any depth. Strings are shared but cannot be written.
func copyable[R any]() bool {
	t := reflect.TypeFor[R]()
	if v, ok := copyableTypes.Load(t); ok {
		return v.(bool)
	}
	ok := copyableType(t)
	copyableTypes.Store(t, ok)
	return ok
}

func copyableType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return copyableType(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !copyableType(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
