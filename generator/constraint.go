package generator

import (
	"fmt"
	"go/build/constraint"
	"strings"
)

func parseConstraint(expr string) (constraint.Expr, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	e, err := constraint.Parse("//go:build " + expr)
	if err != nil {
		return nil, fmt.Errorf("--build-constraint %q: %v", expr, err)
	}
	return e, nil
}

// combine is the //go:build line requiring both the source's line (if
// any) and extra (if any).
func combine(line string, extra constraint.Expr) string {
	if extra == nil {
		return line
	}
	if line == "" {
		return "//go:build " + extra.String()
	}
	own, err := constraint.Parse(line)
	if err != nil {
		return line
	}
	return "//go:build " + (&constraint.AndExpr{X: own, Y: extra}).String()
}
