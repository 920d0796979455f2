package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
)

// The Standard Webhooks headers (github.com/standard-webhooks/standard-webhooks, spec 1.0.0).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// secretPrefix marks a symmetric signing secret as the specification serializes it:
// "whsec_" and the base64 of 24 to 64 random bytes.
const secretPrefix = "whsec_"

// secretBytes is the length of a generated secret's key.
const secretBytes = 32

// NewSecret returns a fresh signing secret, "whsec_<base64 of 32 random bytes>".
func NewSecret() string {
	key := make([]byte, secretBytes)
	_, _ = rand.Read(key)
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

// SecretKey decodes a "whsec_" secret into its HMAC key, or says what is wrong with it (the
// specification asks for 24 to 64 bytes).
func SecretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, errs.Field("body.secret", "must start with whsec_", nil)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, errs.Field("body.secret", "must be whsec_ and standard base64", nil)
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, errs.Field("body.secret", "must hold 24 to 64 bytes", nil)
	}
	return key, nil
}

// Sign returns one signature of the Standard Webhooks scheme: "v1," and the base64 of
// HMAC-SHA256(key, "<msgID>.<unix seconds>.<body>").
func Sign(key []byte, msgID string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(at.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignatureHeader is the webhook-signature value: one signature per key, space separated, so
// that a receiver still holding the previous secret during a rotation verifies the message.
func SignatureHeader(keys [][]byte, msgID string, at time.Time, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = Sign(k, msgID, at, body)
	}
	return strings.Join(sigs, " ")
}
