package identity

import (
	"context"
	"crypto/sha256"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
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

// SignUp is a seller signing up: an account that owns a new organizer.
type SignUp struct {
	Username      string `json:"username,omitempty" doc:"At least one of username, email, phoneNumber"`
	Email         string `json:"email,omitempty"`
	PhoneNumber   string `json:"phoneNumber,omitempty" doc:"0912345678 or +84912345678"`
	Password      string `json:"password,omitempty" openapi:"required" doc:"At least 8 characters, not a common password"`
	DisplayName   string `json:"displayName,omitempty"`
	Locale        string `json:"locale,omitempty" doc:"vi (default) or en"`
	OrganizerName string `json:"organizerName,omitempty" doc:"The business; defaults to the display name"`
	MerchantName  string `json:"merchantName,omitempty" doc:"The first shop, restaurant or venue; defaults to the organizer name"`
	MerchantType  string `json:"merchantType,omitempty" openapi:"enum=DEFAULT,TICKET,FNB,THEATER" doc:"DEFAULT (default), TICKET, FNB or THEATER"`
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
		mtype = MerchantTypes[0]
	}
	if !slices.Contains(MerchantTypes, mtype) {
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
		if err := m.insertOrganizer(ctx, p.organizerID, orgName, p.id, now); err != nil {
			return err
		}
		if err := m.insertUser(ctx, p, now); err != nil {
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
			m.log.WarnContext(ctx, "identity: verification mail after sign-up failed", "user", p.id, "error", err)
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
	return &Session{Token: tok, TokenType: TokenType, ExpiresAt: exp, User: view}, nil
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
	if err := m.insertToken(ctx, signed.TokenID, p.UserID, p.Kind, merchant, m.now(), exp.UTC()); err != nil {
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
		if err := m.touchSignIn(ctx, userID, m.now()); err != nil {
			return err
		}
		m.accounts.forget(userID)
		if rehash != "" {
			if err := m.rehash(ctx, userID, hash, rehash); err != nil {
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
	return told(ErrTooManySignIns, "too many sign-in attempts: try again in "+wait(d))
}

// checkPassword is the one path every password goes through (sign-in, Basic): count the attempt
// (admit), look up, compare (the dummy hash when there is no account), and on success give the
// attempt back. It returns the user and its stored hash. addr is the client's address ("" when
// there is none, such as a command on the server).
func (m *Module) checkPassword(ctx context.Context, scheme, raw, password, addr string) (id.ID, string, error) {
	ident, parsed, k := signInKeysOf(scheme, raw, addr)
	if err := m.admit(ctx, k); err != nil {
		return 0, "", err
	}
	var userID id.ID
	var status, hash string
	if parsed {
		var err error
		if userID, status, hash, err = m.signInAccount(ctx, ident); err != nil {
			return 0, "", err
		}
	}
	if !m.hash.check(hash, password) {
		return 0, "", ErrBadCredentials
	}
	if status != StatusActive {
		return 0, "", ErrAccountBlocked
	}
	if err := m.succeeded(ctx, k); err != nil {
		return 0, "", err
	}
	return userID, hash, nil
}

// signInKeys are the throttle keys of one password attempt: its identifier, the identifier from
// this address, and the address ("" when there is none).
type signInKeys struct {
	identifier, pair, address string
}

// signInKeysOf reads an identifier typed with or without its scheme, and returns it, whether it
// parsed, and the keys its attempt counts under. An identifier is counted in its normalized form,
// so that its spellings share one count; one that does not parse, as typed.
func signInKeysOf(scheme, raw, addr string) (Identifier, bool, signInKeys) {
	var ident Identifier
	var perr error
	if scheme != "" {
		s, _ := ParseScheme(scheme)
		ident.Scheme = s
		ident.Value, perr = Normalize(s, raw)
	} else {
		ident, perr = Detect(raw)
	}
	form, value := string(ident.Scheme), ident.Value
	if perr != nil {
		form, value = "raw", strings.ToLower(strings.TrimSpace(raw))
	}
	addr = addressGroup(addr)
	k := signInKeys{identifier: throttleKey(bucketSignInIdentifier, form, value), pair: throttleKey(bucketSignInPair, form, value, addr)}
	if addr != "" {
		k.address = throttleKey(bucketSignInAddress, addr)
	}
	return ident, perr == nil, k
}

// admit counts a password attempt against the sign-in limits before the password is checked, in
// one atomic step per limit, so that parallel guesses cannot slip past, and refuses one over a
// limit (refusal says which). A refused attempt is not counted against the limits after the
// one that refused it: an address refused for spraying adds nothing to an identifier's count.
func (m *Module) admit(ctx context.Context, k signInKeys) error {
	var address Window
	if k.address != "" {
		d, err := m.limiter.Take(ctx, k.address, AddressLimit)
		if err != nil {
			return err
		}
		if address = (Window{Hits: d.Count, Left: d.Left}); !d.Allowed {
			return refusal(address, Window{}, Window{})
		}
	}
	d, err := m.limiter.Take(ctx, k.pair, PairLimit)
	if err != nil {
		return err
	}
	pair := Window{Hits: d.Count, Left: d.Left}
	if !d.Allowed {
		return refusal(address, pair, Window{})
	}
	d, err = m.limiter.Take(ctx, k.identifier, IdentifierLimit)
	if err != nil {
		return err
	}
	return refusal(address, pair, Window{Hits: d.Count, Left: d.Left})
}

// admitted says whether an attempt would be admitted now, counting nothing: a password HTTP
// Basic proved and remembered is held to the limits too, or a throttled address could test
// guesses against what is remembered.
func (m *Module) admitted(ctx context.Context, k signInKeys) error {
	keys := []string{k.pair, k.identifier}
	if k.address != "" {
		keys = append(keys, k.address)
	}
	w, err := m.limiter.Peek(ctx, keys...)
	if err != nil {
		return err
	}
	for i := range w {
		w[i].Hits++ // as if this attempt were counted
	}
	var address Window
	if k.address != "" {
		address = w[2]
	}
	return refusal(address, w[0], w[1])
}

// refusal applies the sign-in limits (docs/decisions/0006-sign-in-lockout.md) to an attempt's
// counts, the attempt included: an address over AddressLimit is refused whatever it tries; an
// identifier tried more than PairLimit times from this address is refused to this address; an
// identifier over IdentifierLimit (tried from many addresses) is refused to an address that
// already tried it in its pair window, but an address's first attempt goes on, so that no one
// can lock an owner out of an account. It returns nil when the attempt may go on.
func refusal(address, pair, identifier Window) error {
	switch {
	case address.Hits > AddressLimit.Max:
		return tooMany(address.Left)
	case pair.Hits > PairLimit.Max:
		return tooMany(pair.Left)
	case identifier.Hits > IdentifierLimit.Max && pair.Hits > 1:
		// This address may try again when its pair window ends (or the identifier's, if sooner).
		return tooMany(min(pair.Left, identifier.Left))
	}
	return nil
}

// succeeded forgets the failures of a proven identifier from this address (a user who mistyped
// starts afresh) and gives its attempt back to the identifier and the address: a success uses up
// no allowance, and the identifier keeps counting the failures of others.
func (m *Module) succeeded(ctx context.Context, k signInKeys) error {
	if err := m.limiter.Clear(ctx, k.pair); err != nil {
		return err
	}
	if err := m.limiter.Give(ctx, k.identifier); err != nil {
		return err
	}
	if k.address != "" {
		return m.limiter.Give(ctx, k.address)
	}
	return nil
}

// addressGroup is the part of a client address that a limit counts: an IPv4 address (also when
// written as IPv6), or the /64 network of an IPv6 address, since one host is given a whole /64
// and could change its address within it at every attempt. Anything else is kept as it is.
func addressGroup(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// VerifyBasic implements auth.BasicVerifier: HTTP Basic with any identifier scheme on every
// protected route, counted against the sign-in limits as a sign-in is. A proven identifier and
// password are remembered for a minute for the address that proved them (by a hash of the three,
// with the stored bcrypt hash they matched) so that a script sending Basic on every call pays
// bcrypt once, not per request; a changed password changes the stored hash and ends that. What is
// remembered is still held to the limits (admitted), without counting.
func (m *Module) VerifyBasic(ctx context.Context, identifier, password string) (*auth.Principal, error) {
	addr := auth.ClientAddr(ctx)
	key := sha256.Sum256([]byte(identifier + "\x00" + password + "\x00" + addressGroup(addr)))
	if uid, hash, ok := m.basic.get(key, m.now()); ok {
		_, _, k := signInKeysOf("", identifier, addr)
		if err := m.admitted(ctx, k); err != nil {
			return nil, err
		}
		current, err := m.activeHash(ctx, uid)
		if err == nil && current == hash {
			p, _, err := m.principal(ctx, uid)
			return p, err
		}
		m.basic.forget(key)
	}
	uid, hash, err := m.checkPassword(ctx, "", identifier, password, addr)
	if err != nil {
		return nil, err
	}
	m.basic.put(key, uid, hash, m.now())
	p, _, err := m.principal(ctx, uid)
	return p, err
}

// IsRevoked implements auth.Revocations: a token is dead once signed out, or when its user is
// blocked or deleted, or its employee record inactive or deleted. Tokens this module did not
// issue are unknown, hence alive, unless signed out.
func (m *Module) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	if tokenID == "" {
		return false, nil
	}
	return m.tokenRevoked(ctx, tokenID)
}

// SignOut revokes the caller's bearer token.
func (m *Module) SignOut(ctx context.Context) error {
	p := auth.From(ctx)
	if p == nil {
		return auth.ErrUnauthenticated
	}
	if p.TokenID == "" {
		return ErrNoBearerToken
	}
	now := m.now()
	return m.revokeToken(ctx, p.TokenID, p.UserID, now, now.Add(31*24*time.Hour))
}

// ChangePassword replaces the caller's password after checking the current one, and revokes
// every other token of the user (the one in use stays valid).
func (m *Module) ChangePassword(ctx context.Context, current, next string) error {
	p := auth.From(ctx)
	if p == nil {
		return auth.ErrUnauthenticated
	}
	if p.Kind != auth.KindUser {
		return ErrPINSessionPassword
	}
	if current == "" {
		return errs.Field("body.currentPassword", "is required", nil)
	}
	key := throttleKey(bucketPasswordChange, p.UserID.String())
	d, err := m.limiter.Take(ctx, key, PasswordChangeLimit)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return told(ErrTooManyAttempts, "too many attempts: try again in "+wait(d.RetryAfter))
	}
	hash, err := m.passwordHash(ctx, p.UserID)
	if err != nil {
		return err
	}
	if !m.hash.check(hash, current) {
		return ErrWrongPassword
	}
	if current == next {
		return ErrSamePassword
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
		if err := m.setPassword(ctx, p.UserID, h, now); err != nil {
			return err
		}
		return m.revokeOtherTokens(ctx, p.UserID, p.TokenID, now)
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
