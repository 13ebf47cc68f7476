package parser

import (
	"cmp"
	"fmt"
	"go/token"
	"slices"
)

// Diagnostic is one problem, at the position of the token it concerns.
// An error stops generation; a warning is a policy-plan concern that
// baldurgen lint reports (and lint --strict turns into an error).
type Diagnostic struct {
	Pos     token.Position
	Msg     string
	Warning bool
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Text())
}

// Text is the message with its severity, without the position.
func (d Diagnostic) Text() string {
	if d.Warning {
		return "warning: " + d.Msg
	}
	return d.Msg
}

// Diagnostics collects problems in any order and sorts them by position.
type Diagnostics []Diagnostic

func (ds *Diagnostics) add(pos token.Position, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (ds *Diagnostics) warn(pos token.Position, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// Split separates errors from warnings, keeping the order.
func (ds Diagnostics) Split() (errs, warnings Diagnostics) {
	for _, d := range ds {
		if d.Warning {
			warnings = append(warnings, d)
		} else {
			errs = append(errs, d)
		}
	}
	return errs, warnings
}

// Sort orders diagnostics by file, line and column, and drops exact repeats.
func (ds Diagnostics) Sort() Diagnostics {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.Compact(ds)
}

// shortPos formats a position without its file when it is in file.
func shortPos(p token.Position, file string) string {
	if p.Filename == file {
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}
