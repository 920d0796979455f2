package identity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
)

// Session is a signed-in user: a bearer token and who it is.
type Session struct {
	Token     string    `json:"token"`
	TokenType string    `json:"tokenType" example:"Bearer"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      *UserView `json:"user"`
}

// MerchantTypes of the document.
var MerchantTypes = []string{"DEFAULT", "TICKET", "FNB", "THEATER"}

// SignUp is a seller signing up: an account that owns a new organizer.
type SignUp struct {
	Username      string `json:"username,omitempty" doc:"At least one of username, email, phoneNumber"`
	Email         string `json:"email,omitempty"`
	PhoneNumber   string `json:"phoneNumber,omitempty" doc:"0912345678 or +84912345678"`
	Password      string `json:"password,omitempty" doc:"At least 8 characters, not a common password"`
	DisplayName   string `json:"displayName,omitempty"`
	Locale        string `json:"locale,omitempty" doc:"vi (default) or en"`
	OrganizerName string `json:"organizerName,omitempty" doc:"The business; defaults to the display name"`
	MerchantName  string `json:"merchantName,omitempty" doc:"The first shop, restaurant or venue; defaults to the organizer name"`
	MerchantType  string `json:"merchantType,omitempty" doc:"DEFAULT (default), TICKET, FNB or THEATER"`
}

// SignUp creates the seller's organizer and account (ORGANIZER_OWNER), publishes
// SellerRegistered in the same transaction (commerce sets up the merchant from it), signs the
// seller in, and then mails a verification code when an email was given.
func (m *Module) SignUp(ctx context.Context, in SignUp) (*Session, error) {
	var idents []IdentifierInput
	for _, f := range []struct {
		s   Scheme
		v   string
		loc string
	}{{Username, in.Username, "body.username"}, {Email, in.Email, "body.email"}, {Phone, in.PhoneNumber, "body.phoneNumber"}} {
		if strings.TrimSpace(f.v) != "" {
			idents = append(idents, IdentifierInput{Scheme: f.s, Value: f.v, loc: f.loc})
		}
	}
	if len(idents) == 0 {
		return nil, errs.Field("body", "needs at least one of username, email or phoneNumber", nil)
	}
	if in.Password == "" {
		return nil, errs.Field("body.password", "is required", nil)
	}
	p, err := m.prepare(NewUser{Identifiers: idents, Password: in.Password, Profile: Profile{DisplayName: in.DisplayName, Locale: in.Locale},
		Roles: []auth.Role{auth.OrganizerOwner}})
	if err != nil {
		return nil, err
	}
	orgName := strings.TrimSpace(in.OrganizerName)
	if orgName == "" {
		orgName = p.profile.DisplayName
	}
	merchantName := strings.TrimSpace(in.MerchantName)
	if merchantName == "" {
		merchantName = orgName
	}
	mtype := in.MerchantType
	if mtype == "" {
		mtype = "DEFAULT"
	}
	found := false
	for _, t := range MerchantTypes {
		found = found || t == mtype
	}
	if !found {
		return nil, errs.Field("body.merchantType", "must be DEFAULT, TICKET, FNB or THEATER", in.MerchantType)
	}
	p.organizerID = m.ids.Next()
	ev := events.SellerRegistered{UserID: p.id, OrganizerID: p.organizerID, OrganizerName: orgName,
		MerchantName: merchantName, MerchantType: mtype}
	for _, i := range p.identifiers {
		switch i.Scheme {
		case Email:
			ev.Email = i.Value
		case Phone:
			ev.Phone = i.Value
		}
	}
	var s *Session
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		now := m.now()
		if _, err := m.exec(ctx, "INSERT INTO organizers (id, name, owner_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			int64(p.organizerID), orgName, int64(p.id), StatusActive, now, now); err != nil {
			return err
		}
		if err := m.insert(ctx, p); err != nil {
			return err
		}
		if _, err := m.events.Publish(ctx, ev); err != nil {
			return err
		}
		var err error
		s, err = m.startSession(ctx, p.id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if ev.Email != "" {
		if _, err := m.SendVerification(auth.System(context.WithoutCancel(ctx)), p.id); err != nil {
			m.log.Warn("identity: verification mail after sign-up failed", "user", p.id, "error", err)
		}
	}
	return s, nil
}

// startSession issues a token for the user and records it, in the transaction of ctx.
func (m *Module) startSession(ctx context.Context, userID id.ID) (*Session, error) {
	p, view, err := m.principal(ctx, userID)
	if err != nil {
		return nil, err
	}
	tok, exp, err := m.issue(ctx, p, 0, 0)
	if err != nil {
		return nil, err
	}
	return &Session{Token: tok, TokenType: "Bearer", ExpiresAt: exp, User: view}, nil
}

// issue signs a token for p and records its id, so that it can be revoked and dies with its
// user.
func (m *Module) issue(ctx context.Context, p *auth.Principal, ttl time.Duration, merchant id.ID) (string, time.Time, error) {
	tok, exp, err := m.tokens.Issue(p, ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	signed, _, err := m.tokens.Verify(tok)
	if err != nil {
		return "", time.Time{}, err
	}
	var mer any
	if merchant != 0 {
		mer = int64(merchant)
	}
	if _, err := m.exec(ctx, "INSERT INTO access_tokens (jti, user_id, kind, merchant_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		signed.TokenID, int64(p.UserID), p.Kind, mer, m.now(), exp.UTC()); err != nil {
		return "", time.Time{}, err
	}
	return tok, exp, nil
}

// SignIn checks an identifier of any scheme (scheme empty: read from the value) and a password,
// and starts a session. A wrong identifier and a wrong password get the same answer after the
// same bcrypt work; attempts are limited per identifier and per client address.
func (m *Module) SignIn(ctx context.Context, scheme, identifier, password, addr string) (*Session, error) {
	if strings.TrimSpace(identifier) == "" {
		return nil, errs.Field("body.identifier", "is required", nil)
	}
	if password == "" {
		return nil, errs.Field("body.password", "is required", nil)
	}
	if scheme != "" {
		if _, ok := ParseScheme(scheme); !ok {
			return nil, errs.Field("body.scheme", "must be USERNAME, EMAIL, PHONE_NUMBER, USER_NUMBER or NX_AUTH", scheme)
		}
	}
	userID, hash, err := m.checkPassword(ctx, scheme, identifier, password, addr)
	if err != nil {
		return nil, err
	}
	var rehash string
	if m.hash.stale(hash) {
		rehash, _ = m.hash.hash(password)
	}
	var s *Session
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := m.exec(ctx, "UPDATE users SET last_sign_in_at = ? WHERE id = ?", m.now(), int64(userID)); err != nil {
			return err
		}
		m.accounts.forget(userID)
		if rehash != "" {
			if _, err := m.exec(ctx, "UPDATE user_credentials SET password_hash = ? WHERE user_id = ? AND password_hash = ?", rehash, int64(userID), hash); err != nil {
				return err
			}
		}
		var err error
		s, err = m.startSession(ctx, userID)
		return err
	})
	return s, err
}

// tooMany is the answer to a throttled sign-in.
func tooMany(d time.Duration) error {
	return errs.New(errs.TooMany, "too many sign-in attempts: try again in "+wait(d))
}

// checkPassword is the one path every password goes through (sign-in, Basic): throttle, look
// up, compare (the dummy hash when there is no account), reset the throttle on success. It
// returns the user and its stored hash.
func (m *Module) checkPassword(ctx context.Context, scheme, raw, password, addr string) (id.ID, string, error) {
	var ident Identifier
	var perr error
	if scheme != "" {
		s, _ := ParseScheme(scheme)
		ident.Scheme = s
		ident.Value, perr = Normalize(s, raw)
	} else {
		ident, perr = Detect(raw)
	}
	identKey := throttleKey("signin-id", string(ident.Scheme), ident.Value)
	if perr != nil {
		identKey = throttleKey("signin-id", "raw", strings.ToLower(strings.TrimSpace(raw)))
	}
	keys := []struct {
		key string
		lim Limit
	}{{identKey, IdentifierLimit}}
	if addr != "" {
		keys = append(keys, struct {
			key string
			lim Limit
		}{throttleKey("signin-ip", addr), AddressLimit})
	}
	for _, k := range keys {
		d, err := m.limiter.Take(ctx, k.key, k.lim)
		if err != nil {
			return 0, "", err
		}
		if !d.Allowed {
			return 0, "", tooMany(d.RetryAfter)
		}
	}
	var userID id.ID
	var status, hash string
	if perr == nil {
		var uid int64
		err := m.queryRow(ctx, false, `SELECT u.id, u.status, COALESCE(c.password_hash, '')
			FROM user_identifiers i
			JOIN users u ON u.id = i.user_id AND u.deleted_at IS NULL
			LEFT JOIN user_credentials c ON c.user_id = u.id
			WHERE i.scheme = ? AND i.value = ?`, string(ident.Scheme), ident.Value).Scan(&uid, &status, &hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, "", db.Classify(err)
		}
		userID = id.ID(uid)
	}
	if !m.hash.check(hash, password) {
		return 0, "", auth.ErrUnauthenticated
	}
	if status != StatusActive {
		return 0, "", errs.New(errs.Forbidden, "this account is blocked")
	}
	if err := m.limiter.Clear(ctx, identKey); err != nil {
		return 0, "", err
	}
	if len(keys) > 1 {
		if err := m.limiter.Give(ctx, keys[1].key); err != nil {
			return 0, "", err
		}
	}
	return userID, hash, nil
}

// VerifyBasic implements auth.BasicVerifier: HTTP Basic with any identifier scheme on every
// protected route. A proven identifier and password are remembered for a minute (by a hash of
// both, with the stored bcrypt hash they matched) so that a script sending Basic on every call
// pays bcrypt once, not per request; a changed password changes the stored hash and ends that.
func (m *Module) VerifyBasic(ctx context.Context, identifier, password string) (*auth.Principal, error) {
	key := sha256.Sum256([]byte(identifier + "\x00" + password))
	if uid, hash, ok := m.basic.get(key, m.now()); ok {
		var current string
		err := m.queryRow(ctx, false, "SELECT COALESCE(c.password_hash, '') FROM users u LEFT JOIN user_credentials c ON c.user_id = u.id WHERE u.id = ? AND u.deleted_at IS NULL AND u.status = 'ACTIVE'", int64(uid)).Scan(&current)
		if err == nil && current == hash {
			p, _, err := m.principal(ctx, uid)
			return p, err
		}
		m.basic.forget(key)
	}
	uid, hash, err := m.checkPassword(ctx, "", identifier, password, remoteAddr(ctx))
	if err != nil {
		return nil, err
	}
	m.basic.put(key, uid, hash, m.now())
	p, _, err := m.principal(ctx, uid)
	return p, err
}

// IsRevoked implements auth.Revocations: a token is dead once signed out, or when its user is
// blocked or deleted, or its employee record inactive or deleted. Tokens this module did not issue are unknown, hence alive, unless signed
// out.
func (m *Module) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	if tokenID == "" {
		return false, nil
	}
	var revoked bool
	err := m.queryRow(ctx, false, `SELECT t.revoked_at IS NOT NULL
			OR (t.kind <> 'external' AND (u.id IS NULL OR u.status <> 'ACTIVE' OR u.deleted_at IS NOT NULL
				OR (e.id IS NOT NULL AND (e.status <> 'ACTIVE' OR e.deleted_at IS NOT NULL))))
		FROM access_tokens t
		LEFT JOIN users u ON u.id = t.user_id
		LEFT JOIN employees e ON e.user_id = t.user_id
		WHERE t.jti = ?`, tokenID).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, db.Classify(err)
	}
	return revoked, nil
}

// SignOut revokes the caller's bearer token.
func (m *Module) SignOut(ctx context.Context) error {
	p := auth.From(ctx)
	if p == nil {
		return auth.ErrUnauthenticated
	}
	if p.TokenID == "" {
		return errs.New(errs.Invalid, "sign-out revokes a bearer token; HTTP Basic credentials have none")
	}
	return m.revoke(ctx, p)
}

func (m *Module) revoke(ctx context.Context, p *auth.Principal) error {
	now := m.now()
	return m.db.InTx(ctx, func(ctx context.Context) error {
		n, err := m.exec(ctx, "UPDATE access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL", now, p.TokenID)
		if err != nil || n > 0 {
			return err
		}
		// A token identity did not record: remember its revocation until any token would have
		// expired.
		_, err = m.exec(ctx, "INSERT INTO access_tokens (jti, user_id, kind, issued_at, expires_at, revoked_at) VALUES (?, ?, 'external', ?, ?, ?) ON CONFLICT DO NOTHING",
			p.TokenID, int64(p.UserID), now, now.Add(31*24*time.Hour), now)
		return err
	})
}

// ChangePassword replaces the caller's password after checking the current one, and revokes
// every other token of the user (the one in use stays valid).
func (m *Module) ChangePassword(ctx context.Context, current, next string) error {
	p := auth.From(ctx)
	if p == nil {
		return auth.ErrUnauthenticated
	}
	if p.Kind != "user" {
		return errs.New(errs.Forbidden, "a PIN session cannot change the password; sign in with the password")
	}
	if current == "" {
		return errs.Field("body.currentPassword", "is required", nil)
	}
	key := throttleKey("chpw", p.UserID.String())
	d, err := m.limiter.Take(ctx, key, IdentifierLimit)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return errs.New(errs.TooMany, "too many attempts: try again in "+wait(d.RetryAfter))
	}
	var hash string
	err = m.queryRow(ctx, false, "SELECT password_hash FROM user_credentials WHERE user_id = ?", int64(p.UserID)).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return db.Classify(err)
	}
	if !m.hash.check(hash, current) {
		return errs.Field("body.currentPassword", "is wrong", nil)
	}
	if current == next {
		return errs.Field("body.newPassword", "must differ from the current password", nil)
	}
	view, err := m.View(ctx, p.UserID)
	if err != nil {
		return err
	}
	var idents []string
	for _, i := range view.Identifiers {
		idents = append(idents, i.Value)
	}
	if err := CheckPassword("body.newPassword", next, idents); err != nil {
		return err
	}
	h, err := m.hash.hash(next)
	if err != nil {
		return err
	}
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		now := m.now()
		if _, err := m.exec(ctx, `INSERT INTO user_credentials (user_id, password_hash, changed_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at`,
			int64(p.UserID), h, now); err != nil {
			return err
		}
		_, err := m.exec(ctx, "UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND jti <> ?",
			now, int64(p.UserID), p.TokenID)
		return err
	})
	if err != nil {
		return err
	}
	return m.limiter.Clear(ctx, key)
}

// basicCache remembers proven Basic credentials for a short time; it is bounded and evicts
// expired entries first, then arbitrary ones.
type basicCache struct {
	mu   sync.Mutex
	max  int
	ttl  time.Duration
	list map[[32]byte]basicEntry
}

type basicEntry struct {
	user id.ID
	hash string
	exp  time.Time
}

func newBasicCache(max int, ttl time.Duration) *basicCache {
	return &basicCache{max: max, ttl: ttl, list: map[[32]byte]basicEntry{}}
}

func (c *basicCache) get(k [32]byte, now time.Time) (id.ID, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.list[k]
	if !ok || now.After(e.exp) {
		return 0, "", false
	}
	return e.user, e.hash, true
}

func (c *basicCache) put(k [32]byte, user id.ID, hash string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) >= c.max {
		for key, e := range c.list {
			if now.After(e.exp) || len(c.list) >= c.max {
				delete(c.list, key)
			}
		}
	}
	c.list[k] = basicEntry{user: user, hash: hash, exp: now.Add(c.ttl)}
}

func (c *basicCache) forget(k [32]byte) {
	c.mu.Lock()
	delete(c.list, k)
	c.mu.Unlock()
}

type remoteKey struct{}

// withRemote returns ctx carrying the client's address (for per-address throttling).
func withRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

func remoteAddr(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}
