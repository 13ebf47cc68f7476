package baldur

// A MemoryStore draws the tokens of its engines' claims itself: a random
// base of 13 characters, drawn once, and a counter in the other 13, so
// that no two of its claims share a token (tokens are only ever compared
// with those of the same store) and drawing one costs neither randomness
// nor, but once in tokenChunk, an allocation: tokenChunk tokens share one
// string. A record keeps its whole chunk alive, and counts it (see pinned).

const (
	tokenLen   = 26
	tokenChunk = 4
)

// drawToken returns a fresh claim token. Called with s.mu held.
func (s *MemoryStore) drawToken() string {
	if len(s.tokens) < tokenLen {
		if s.tokenBase == "" {
			s.tokenBase = localToken()[:tokenLen/2]
		}
		var b [tokenChunk * tokenLen]byte
		for t := b[:]; len(t) > 0; t = t[tokenLen:] {
			copy(t, s.tokenBase)
			s.tokenSeq++
			x := s.tokenSeq
			for i := tokenLen / 2; i < tokenLen; i++ {
				t[i] = tokenAlphabet[x&31]
				x >>= 5
			}
		}
		s.tokens = string(b[:])
	}
	tok := s.tokens[:tokenLen]
	s.tokens = s.tokens[tokenLen:]
	return tok
}
