package generator

import (
	"go/token"
	"regexp"
	"strconv"

	"github.com/baldur-go/baldur/parser"
	baldur "github.com/baldur-go/baldur/runtime"
)

// CheckConfig checks a baldur.yaml against the run: every name under
// policies: and breakers: must be declared by an annotation of the loaded
// packages, every field an override's when names must be one the
// policy's calls carry, a keyed policy keeps its breaker, and the runtime
// must accept the file (baldur.ParseConfig, the same check a program
// makes when it starts). path is the name the diagnostics carry.
//
// The names are not checked when the run had annotation errors: an
// interface with a problem declares nothing, so its policies would all
// look unknown.
func (r *Result) CheckConfig(path string, data []byte) parser.Diagnostics {
	var diags parser.Diagnostics
	if len(r.Diagnostics) == 0 {
		diags = parser.CheckConfigNames(path, data, r.declared)
	}
	cfg, err := baldur.ParseConfig(path, data)
	if err != nil {
		diags = append(diags, configErrors(err)...)
	}
	if cfg != nil && len(r.Diagnostics) == 0 {
		whens, disabled := map[string][]map[string]string{}, map[string]bool{}
		for name, pc := range cfg.Policies {
			for _, o := range pc.Overrides {
				whens[name] = append(whens[name], o.When)
			}
			if on, set := pc.Breaker.Enabled.Get(); set && !on {
				disabled[name] = true
			}
		}
		diags = append(diags, parser.CheckOverrides(path, data, whens, disabled, r.declared)...)
	}
	diags = append(diags, parser.CheckOutlivingTimeouts(path, data, r.model)...) // clients: a timeout that cannot apply
	return diags.Sort()
}

var positioned = regexp.MustCompile(`(?s)^(.+?):(\d+):(\d+): (.*)$`)

// configErrors turns the runtime's errors, joined, each written
// file:line:col: message, into diagnostics.
func configErrors(err error) parser.Diagnostics {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var diags parser.Diagnostics
		for _, e := range joined.Unwrap() {
			diags = append(diags, configErrors(e)...)
		}
		return diags
	}
	m := positioned.FindStringSubmatch(err.Error())
	if m == nil {
		return parser.Diagnostics{{Msg: err.Error()}}
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return parser.Diagnostics{{Pos: token.Position{Filename: m[1], Line: line, Column: col}, Msg: m[4]}}
}
