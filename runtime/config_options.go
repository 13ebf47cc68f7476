package baldur

import (
	"errors"
	"fmt"
	"os"
	"reflect"
)

// WithConfigFile loads baldur.yaml from path. Every problem in the file is
// reported, each a *ConfigError at its line and column, joined.
func WithConfigFile(path string) Option {
	return func(rt *Runtime) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("baldur: config: %w", err)
		}
		c, err := ParseConfig(path, data)
		if err != nil {
			return err
		}
		return rt.setConfig("WithConfigFile", c)
	}
}

// WithConfigYAML loads the configuration from data, in baldur.yaml's
// format. Problems are reported against the file name "baldur.yaml".
func WithConfigYAML(data []byte) Option {
	return func(rt *Runtime) error {
		c, err := ParseConfig("baldur.yaml", data)
		if err != nil {
			return err
		}
		return rt.setConfig("WithConfigYAML", c)
	}
}

// WithConfig uses c, built in Go, after the checks a file gets (Validate).
// The runtime keeps its own copy, so c may be changed afterwards.
func WithConfig(c *Config) Option {
	return func(rt *Runtime) error {
		if c == nil {
			return errors.New("baldur: WithConfig: nil config")
		}
		if err := c.Validate(); err != nil {
			return err
		}
		cp := deepCopy(reflect.ValueOf(c).Elem()).Interface().(Config)
		return rt.setConfig("WithConfig", &cp)
	}
}

// deepCopy returns a copy of v that shares no map or slice with it, so
// that a Config given to WithConfig can change afterwards, overrides and
// their when maps included. Unexported fields are copied as they are.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range v.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(deepCopy(v.Field(i)))
			}
		}
		return out
	}
	return v
}

// setConfig installs c. Only one configuration option may be given: two
// would leave one of them silently unread.
func (rt *Runtime) setConfig(option string, c *Config) error {
	if rt.configFrom != "" {
		return fmt.Errorf("baldur: %s: the configuration was already given by %s; give one of WithConfig, WithConfigFile and WithConfigYAML", option, rt.configFrom)
	}
	rt.config, rt.configFrom = c, option
	return nil
}
