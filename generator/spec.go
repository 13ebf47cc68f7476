package generator

import (
	"github.com/baldur-go/baldur/parser"
	baldur "github.com/baldur-go/baldur/runtime"
)

// specOf is the baldur.Spec the generated constructor passes for m, with
// what configuration reads: every value the constructor writes but the
// functions and error values, which exist only in the compiled program
// (Classify is a placeholder of the same form, Replay a stub).
func specOf(m *parser.Method) baldur.Spec {
	p := m.Policy
	s := baldur.Spec{Name: p.Name, Method: m.ID, Breaker: p.Breaker, Timeout: p.Timeout, BreakerKey: p.BreakerKey}
	switch {
	case p.Retry == parser.RetryDefault:
		s.Retry = true
	case p.Retry > 0:
		s.Retry, s.Attempts = true, p.Retry
	}
	if p.Key != nil {
		s.Dedupe, s.DedupeTTL = true, p.Key.TTL
	}
	if len(p.Fields) > 0 {
		s.Fields = p.FieldNames()
	}
	if c := p.Classify; c != nil {
		if c.Results {
			s.JudgesResults = true
		} else {
			s.Classify = func(baldur.PolicyContext, error) baldur.Decision { return baldur.DecideDefault }
		}
	}
	if dl := p.DeadLetter; dl != nil {
		s.DeadLetter = &baldur.DeadLetterSpec{Signature: dl.Signature}
	}
	return s
}
