package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the JWT issuer claim of BANA's tokens.
const Issuer = "bana"

// Claims are the claims of a BANA access token.
type Claims struct {
	jwt.RegisteredClaims
	Roles       []Role   `json:"roles"`
	Permissions []string `json:"perms,omitempty"`
	OrganizerID string   `json:"org,omitempty"`
	MerchantIDs []string `json:"mer,omitempty"`
	Kind        string   `json:"kind,omitempty"`
}

// Tokens signs and verifies HS256 access tokens.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewTokens returns a signer with the secret and default lifetime.
func NewTokens(secret string, ttl time.Duration) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("jwt secret must have at least 16 characters")
	}
	return &Tokens{secret: []byte(secret), ttl: ttl, now: time.Now}, nil
}

// Issue signs a token for p that lives ttl (the configured lifetime when ttl is 0). It returns
// the token and its expiry.
func (t *Tokens) Issue(p *Principal, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 {
		ttl = t.ttl
	}
	now := t.now().UTC()
	exp := now.Add(ttl)
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   p.UserID.String(),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        hex.EncodeToString(jti),
		},
		Roles:       p.Roles,
		Permissions: p.Permissions,
		Kind:        p.Kind,
	}
	if p.OrganizerID != 0 {
		c.OrganizerID = p.OrganizerID.String()
	}
	for _, m := range p.MerchantIDs {
		c.MerchantIDs = append(c.MerchantIDs, m.String())
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	return s, exp, err
}

// Verify checks a token's signature, algorithm, issuer and times, and returns its principal.
func (t *Tokens) Verify(token string) (*Principal, time.Time, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(Issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return nil, time.Time{}, err
	}
	p := &Principal{Roles: c.Roles, Permissions: c.Permissions, TokenID: c.ID, Kind: c.Kind}
	if p.UserID, err = id.Parse(c.Subject); err != nil {
		return nil, time.Time{}, fmt.Errorf("bad subject: %w", err)
	}
	if c.OrganizerID != "" {
		if p.OrganizerID, err = id.Parse(c.OrganizerID); err != nil {
			return nil, time.Time{}, fmt.Errorf("bad organizer: %w", err)
		}
	}
	for _, m := range c.MerchantIDs {
		mid, err := id.Parse(m)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("bad merchant: %w", err)
		}
		p.MerchantIDs = append(p.MerchantIDs, mid)
	}
	if p.Kind == "" {
		p.Kind = "user"
	}
	return p, c.ExpiresAt.Time, nil
}

// BasicVerifier checks an identifier and password; identity satisfies it.
type BasicVerifier interface {
	VerifyBasic(ctx context.Context, identifier, password string) (*Principal, error)
}

// Revocations knows which tokens were revoked (signed out, a blocked user, a revoked device). It
// gets the whole verified principal so that it asks only the list that issued a token of its kind.
type Revocations interface {
	IsRevoked(ctx context.Context, p *Principal) (bool, error)
}

// Authenticator turns an Authorization header into a principal.
type Authenticator struct {
	Tokens  *Tokens
	Basic   BasicVerifier // nil: Basic is refused
	Revoked Revocations   // nil: no revocation list
	// Merchants is given to every principal authenticated (Principal.WithDirectory); nil: an
	// owner may name no merchant (ActFor fails closed).
	Merchants Directory
}

// ErrUnauthenticated is the single answer for every credential failure, so that a caller cannot
// tell a wrong identifier from a wrong password.
var ErrUnauthenticated = errs.New(errs.Unauthorized, "invalid or expired credentials")

// Authenticate reads an Authorization header. It returns (nil, nil) when there are none.
func (a *Authenticator) Authenticate(ctx context.Context, h string) (*Principal, error) {
	if h == "" {
		return nil, nil
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "bearer":
		p, _, err := a.Tokens.Verify(cred)
		if err != nil {
			return nil, ErrUnauthenticated
		}
		if a.Revoked != nil {
			revoked, err := a.Revoked.IsRevoked(ctx, p)
			if err != nil {
				return nil, err
			}
			if revoked {
				return nil, ErrUnauthenticated
			}
		}
		p.merchants = a.Merchants
		return p, nil
	case "basic":
		if a.Basic == nil {
			return nil, ErrUnauthenticated
		}
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, ErrUnauthenticated
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, ErrUnauthenticated
		}
		p, err := a.Basic.VerifyBasic(ctx, user, pass)
		if err != nil {
			if errs.KindOf(err) == errs.Unauthorized || errs.KindOf(err) == errs.NotFound {
				return nil, ErrUnauthenticated
			}
			return nil, err
		}
		p.merchants = a.Merchants
		return p, nil
	}
	return nil, ErrUnauthenticated
}
