// Package secret seals stored credentials with AES-256-GCM (the document's CryptoUtility). Keys
// are derived from APP_ENV_APPLICATION_SECRET with HKDF-SHA256; each sealed value names the key
// that sealed it, so the secret can rotate: keep the previous secrets in the keyring, re-seal.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// prefix marks a sealed value: "sealed:v1:<key id>:<base64url(nonce | ciphertext)>".
const prefix = "sealed:v1:"

// ErrOpen is returned when a value cannot be opened: unknown key, tampered or truncated.
var ErrOpen = errors.New("secret: cannot open sealed value")

// Keyring seals with its current key and opens with any of its keys.
type Keyring struct {
	current string
	keys    map[string]cipher.AEAD
}

// NewKeyring derives keys from the current secret and any previous ones.
func NewKeyring(current string, previous ...string) (*Keyring, error) {
	if len(current) < 16 {
		return nil, errors.New("application secret must have at least 16 characters")
	}
	k := &Keyring{keys: map[string]cipher.AEAD{}}
	for i, s := range append([]string{current}, previous...) {
		if s == "" {
			continue
		}
		key, err := hkdf.Key(sha256.New, []byte(s), nil, "bana credential sealing v1", 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(key)
		kid := hex.EncodeToString(sum[:4])
		k.keys[kid] = aead
		if i == 0 {
			k.current = kid
		}
	}
	return k, nil
}

// KeyID is the id of the current key.
func (k *Keyring) KeyID() string { return k.current }

// Seal encrypts plaintext with the current key. aad binds the value to its place (for example
// "configuration:<id>") so a sealed value copied elsewhere does not open.
func (k *Keyring) Seal(plaintext, aad []byte) string {
	aead := k.keys[k.current]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := aead.Seal(nonce, nonce, plaintext, aad)
	return prefix + k.current + ":" + base64.RawURLEncoding.EncodeToString(out)
}

// IsSealed reports whether s looks like a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// Open decrypts a sealed value with the key it names.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	if !IsSealed(sealed) {
		return nil, ErrOpen
	}
	kid, body, ok := strings.Cut(strings.TrimPrefix(sealed, prefix), ":")
	if !ok {
		return nil, ErrOpen
	}
	aead, ok := k.keys[kid]
	if !ok {
		return nil, fmt.Errorf("%w: key %s is not in the keyring", ErrOpen, kid)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Reseal opens a value and seals it again with the current key; it is a no-op for values already
// sealed with it.
func (k *Keyring) Reseal(sealed string, aad []byte) (string, bool, error) {
	if strings.HasPrefix(sealed, prefix+k.current+":") {
		return sealed, false, nil
	}
	pt, err := k.Open(sealed, aad)
	if err != nil {
		return "", false, err
	}
	return k.Seal(pt, aad), true, nil
}
