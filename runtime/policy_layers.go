package baldur

// Layers names the layers the runtime runs for the policy, outermost
// first: "dead-letter", "idempotency", "retry", "breaker", "timeout". A
// fallback is the decorator's, not the runtime's, and is not listed; an
// override may add or remove the timeout or the retry for the calls it
// matches (see Explain).
func (p *Policy) Layers() []string {
	var out []string
	if p.dl != nil {
		out = append(out, "dead-letter")
	}
	if p.idem != nil {
		out = append(out, "idempotency")
	}
	if p.base.retry.Attempts.v > 1 {
		out = append(out, "retry")
	}
	if p.breaker != nil || p.keyed != nil {
		out = append(out, "breaker")
	}
	if p.base.timeout > 0 {
		out = append(out, "timeout")
	}
	return out
}
