package parser

import (
	"go/token"
	"regexp"
	"strconv"
	"strings"
)

// The value grammars of the keys: each parses one argument's text into a
// typed value or explains why it is not valid.

func checkName(key, v string) string {
	if len(v) > maxNameLen || !policyName.MatchString(v) {
		return key + " " + strconv.Quote(v) + " is not a valid name: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters"
	}
	return ""
}

func parseRetry(arg directiveArg) (int, string) {
	if !arg.HasValue {
		return RetryDefault, ""
	}
	if arg.Value == "off" {
		return 0, ""
	}
	n, err := strconv.Atoi(arg.Value)
	if err != nil || n < 1 || n > maxAttempts {
		return 0, "retry=" + strconv.Quote(arg.Value) + " is not valid: write retry, retry=N with N attempts from 1 to 100, or retry=off"
	}
	return n, ""
}

// parseRefs splits a comma list of identifiers, each optionally qualified.
func parseRefs(arg directiveArg, list bool) ([]identRef, string) {
	parts := []string{arg.Value}
	if list {
		parts = strings.Split(arg.Value, ",")
	}
	offset := 0
	if arg.Quoted {
		offset = 1
	}
	var refs []identRef
	for _, part := range parts {
		pos := arg.ValuePos
		lead := len(part) - len(strings.TrimLeft(part, " \t"))
		pos.Column += offset + lead
		pos.Offset += offset + lead
		offset += len(part) + 1
		ident := strings.TrimSpace(part)
		qual, name, qualified := strings.Cut(ident, ".")
		if !qualified {
			qual, name = "", ident
		}
		if !token.IsIdentifier(name) || qualified && !token.IsIdentifier(qual) || name == "_" {
			what := "an identifier"
			if list {
				what = "a comma-separated list of error variables"
			}
			return nil, arg.Key + " " + strconv.Quote(arg.Value) + " is not valid: write " + what + ", such as ErrTemporary or io.EOF"
		}
		refs = append(refs, identRef{Qualifier: qual, Name: name, Pos: pos})
	}
	return refs, ""
}

// parseKeyPath reads param(.field)*[()] .
func parseKeyPath(arg directiveArg) (keyPath, string) {
	k := keyPath{Text: arg.Value, Pos: arg.ValuePos}
	text, call := strings.CutSuffix(arg.Value, "()")
	k.Call = call
	k.Elems = strings.Split(text, ".")
	for _, e := range k.Elems {
		if !token.IsIdentifier(e) || e == "_" {
			return k, "idempotency_key " + strconv.Quote(arg.Value) + " is not valid: write a parameter, a field path or a method call without arguments, such as orderID, req.Order.ID or req.Key()"
		}
	}
	if call && len(k.Elems) < 2 {
		return k, "idempotency_key " + strconv.Quote(arg.Value) + " calls a parameter; call a method of it, such as req.Key()"
	}
	return k, ""
}

// listItems splits a comma list into its trimmed elements, each with its
// position in the directive.
func listItems(arg directiveArg) ([]string, []token.Position) {
	offset := 0
	if arg.Quoted {
		offset = 1
	}
	var items []string
	var positions []token.Position
	for _, part := range strings.Split(arg.Value, ",") {
		pos := arg.ValuePos
		lead := len(part) - len(strings.TrimLeft(part, " \t"))
		pos.Column += offset + lead
		pos.Offset += offset + lead
		offset += len(part) + 1
		items = append(items, strings.TrimSpace(part))
		positions = append(positions, pos)
	}
	return items, positions
}

// parseFieldPaths reads a comma list of param(.field)*, each optionally
// named (name:path) when named is true.
func parseFieldPaths(arg directiveArg, named bool) ([]fieldPath, string) {
	items, positions := listItems(arg)
	var out []fieldPath
	for i, item := range items {
		fp := fieldPath{Text: item, Pos: positions[i]}
		if name, path, ok := strings.Cut(item, ":"); ok && named {
			fp.Name, fp.NamePos, fp.Text = name, positions[i], path
			fp.Pos.Column += len(name) + 1
			fp.Pos.Offset += len(name) + 1
			if !fieldName.MatchString(name) {
				return nil, arg.Key + " " + strconv.Quote(item) + ": field name " + strconv.Quote(name) + " is not valid: use lower-case letters, digits and '_', starting with a letter, at most 64 characters"
			}
		}
		fp.Elems = strings.Split(fp.Text, ".")
		for _, e := range fp.Elems {
			if !token.IsIdentifier(e) || e == "_" {
				return nil, arg.Key + " " + strconv.Quote(arg.Value) + " is not valid: " + pathGrammar[arg.Key]
			}
		}
		out = append(out, fp)
	}
	return out, ""
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

var pathGrammar = map[string]string{
	"context":     "write a comma-separated list of parameters or field paths, each optionally named, such as orderID, req.Customer.Tier or segment:req.Customer.Tier",
	"sensitive":   "write a comma-separated list of parameters or field paths, such as cardNumber or req.PAN",
	"breaker_key": "write a parameter, a field path or a field name, such as tenantID, req.Tenant or tenant_id",
}
