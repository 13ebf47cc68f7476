package baldur

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// ConfigError is one problem in a configuration. From a file it carries
// the line and column (1-based) of the offending key or value; from a
// Config built in Go, Line is 0.
type ConfigError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *ConfigError) Error() string {
	if e.Line == 0 {
		return "baldur: config: " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// position is where a key and its value are in a file; zero when the
// configuration was built in Go.
type position struct {
	keyLine, keyCol int
	line, col       int
}

// maxReported bounds the problems an error lists: a file with thousands of
// them gives the first ones and a count, not megabytes.
const maxReported = 50

// problems collects a configuration's problems in the order of the file.
type problems struct {
	file string
	list []*ConfigError
	seen map[string]bool
}

func (p *problems) add(at position, format string, args ...any) {
	e := &ConfigError{File: p.file, Line: at.line, Column: at.col, Msg: fmt.Sprintf(format, args...)}
	if p.file == "" || e.Line == 0 {
		e.File, e.Line, e.Column = "", 0, 0
	}
	key := e.Error()
	if p.seen[key] {
		return
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[key] = true
	p.list = append(p.list, e)
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	slices.SortStableFunc(p.list, func(a, b *ConfigError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	errs := make([]error, 0, min(len(p.list), maxReported)+1)
	for _, e := range p.list[:min(len(p.list), maxReported)] {
		errs = append(errs, e)
	}
	if n := len(p.list) - maxReported; n > 0 {
		errs = append(errs, fmt.Errorf("baldur: config: and %d more problems", n))
	}
	return errors.Join(errs...)
}
