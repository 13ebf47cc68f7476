package baldur

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts what a dead letter carries in clear otherwise: the
// call's arguments, its error text, and its tenant and middleware
// fields. Each letter records the id of the key that sealed it, so keys
// can rotate: a sealer opens every letter whose key it still has.
type Sealer interface {
	// Seal encrypts plaintext with the current key and names that key.
	Seal(plaintext []byte) (keyID string, sealed []byte, err error)
	// Open decrypts what the key keyID sealed.
	Open(keyID string, sealed []byte) ([]byte, error)
}

// WithSealer seals every dead letter's body with s. A letter whose key s
// no longer has cannot be read or replayed, and says so; it is never
// read in clear.
func WithSealer(s Sealer) Option {
	return func(rt *Runtime) error {
		if s == nil {
			return errors.New("baldur: WithSealer: nil sealer")
		}
		rt.sealer = s
		return nil
	}
}

// AESSealer seals with AES-GCM under named 16-, 24- or 32-byte keys, the
// current one for new letters and the others for older ones.
type AESSealer struct {
	current string
	keys    map[string]cipher.AEAD
}

// NewAESSealer returns a sealer that seals with keys[current] and opens
// with any of keys.
func NewAESSealer(current string, keys map[string][]byte) (*AESSealer, error) {
	s := &AESSealer{current: current, keys: map[string]cipher.AEAD{}}
	for id, k := range keys {
		if id == "" || strings.ContainsRune(id, ':') {
			return nil, fmt.Errorf("baldur: AES sealer: key id %q: must be non-empty, without ':'", id)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("baldur: AES sealer: key %s: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.keys[id] = aead
	}
	if s.keys[current] == nil {
		return nil, fmt.Errorf("baldur: AES sealer: no key %q to seal with", current)
	}
	return s, nil
}

func (s *AESSealer) Seal(plaintext []byte) (string, []byte, error) {
	aead := s.keys[s.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	rand.Read(nonce)
	return s.current, aead.Seal(nonce, nonce, plaintext, nil), nil
}

func (s *AESSealer) Open(keyID string, sealed []byte) ([]byte, error) {
	aead := s.keys[keyID]
	if aead == nil {
		return nil, fmt.Errorf("baldur: AES sealer has no key %q", keyID)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("baldur: AES sealer: sealed text too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
}

// envelope is what a letter's Body holds once opened.
type envelope struct {
	Args   json.RawMessage   `json:"args"`
	Err    string            `json:"err"`
	Tenant string            `json:"tenant,omitempty"`
	Extra  map[string]string `json:"fields,omitempty"` // set with WithFields: replays carry them again
}

// Bodies start with their format: "p1\n" then the envelope in JSON, or
// "s1\n<key id>\n" then the sealed JSON.
const (
	plainPrefix  = "p1\n"
	sealedPrefix = "s1\n"
)

// ErrSealed: a letter's body is sealed with a key the runtime's sealer
// does not have, or no sealer is configured.
var ErrSealed = errors.New("baldur: dead letter is sealed with a key this runtime cannot open")

func (rt *Runtime) sealBody(e envelope) ([]byte, error) {
	plain, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if rt.sealer == nil {
		return append([]byte(plainPrefix), plain...), nil
	}
	id, sealed, err := rt.sealer.Seal(plain)
	if err != nil {
		return nil, fmt.Errorf("baldur: sealing a dead letter: %w", err)
	}
	return append([]byte(sealedPrefix+id+"\n"), sealed...), nil
}

func (rt *Runtime) openBody(body []byte) (envelope, error) {
	var e envelope
	var plain []byte
	switch {
	case bytes.HasPrefix(body, []byte(plainPrefix)):
		plain = body[len(plainPrefix):]
	case bytes.HasPrefix(body, []byte(sealedPrefix)):
		id, sealed, ok := bytes.Cut(body[len(sealedPrefix):], []byte("\n"))
		if !ok {
			return e, errors.New("baldur: dead letter: malformed sealed body")
		}
		if rt.sealer == nil {
			return e, fmt.Errorf("%w (key %q; no sealer configured)", ErrSealed, id)
		}
		var err error
		if plain, err = rt.sealer.Open(string(id), sealed); err != nil {
			return e, fmt.Errorf("%w (key %q): %v", ErrSealed, id, err)
		}
	default:
		return e, errors.New("baldur: dead letter: unknown body format")
	}
	if err := json.Unmarshal(plain, &e); err != nil {
		return e, fmt.Errorf("baldur: dead letter: %w", err)
	}
	return e, nil
}
