package asset

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/secret"
)

// signer signs and checks the disk backend's download links: an HMAC-SHA256 over the method,
// the path (below the API's base path), the variant and the expiry, keyed by a random key that
// is kept in the database sealed with the application's keyring (so every process of a
// deployment checks every other's links, and the key rotates with the application secret).
// Expiry is judged by the module's clock.
type signer struct {
	store *store
	keys  *secret.Keyring
	clock clock.Clock

	mu  sync.Mutex
	key []byte
}

// keyAAD binds the sealed key to its use.
var keyAAD = []byte("asset:url-signing-key")

// signingKey loads the key, making it on first use (the first of several processes wins).
func (s *signer) signingKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	sealed, err := s.store.signingKey(ctx, s.keys.Seal(raw, keyAAD), s.clock.Now())
	if err != nil {
		return nil, err
	}
	key, err := s.keys.Open(sealed, keyAAD)
	if err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

func mac(key []byte, path, variant string, expires int64) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("GET\n" + path + "\n" + variant + "\n" + strconv.FormatInt(expires, 10)))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// sign returns the query of a link to path that is valid until expires.
func (s *signer) sign(ctx context.Context, path, variant string, expires time.Time) (url.Values, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	exp := expires.Unix()
	q := url.Values{"expires": {strconv.FormatInt(exp, 10)}, "signature": {mac(key, path, variant, exp)}}
	if variant != "" {
		q.Set("variant", variant)
	}
	return q, nil
}

// verify checks a link's signature, then its expiry: a link whose expiry was changed is a bad
// signature, not an expired link.
func (s *signer) verify(ctx context.Context, path, variant, expires, signature string) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || signature == "" {
		return ErrBadSignature
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(signature), []byte(mac(key, path, variant, exp))) {
		return ErrBadSignature
	}
	if !s.clock.Now().Before(time.Unix(exp, 0)) {
		return ErrLinkExpired
	}
	return nil
}
