package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/mail"
)

// VerificationStatus is what a client learns after a verification mail went out.
type VerificationStatus struct {
	Email             string    `json:"email"`
	CodeExpiresAt     time.Time `json:"codeExpiresAt"`
	LinkExpiresAt     time.Time `json:"linkExpiresAt"`
	ResendAvailableAt time.Time `json:"resendAvailableAt"`
	ResendsLeft       int       `json:"resendsLeft" doc:"Mails still allowed in the current 24 hours"`
}

// Verified is the answer of a successful verification.
type Verified struct {
	UserID   id.ID  `json:"userId"`
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

type verificationRow struct {
	id     id.ID
	userID id.ID
	email  string
	isNew  bool
	verification
}

// codeHash keys a code's hash with the application secret: a 6-digit code hashed without a key
// would fall to a million guesses against a copy of the table.
func (m *Module) codeHash(email, code string) string {
	mac := hmac.New(sha256.New, m.codeKey)
	mac.Write([]byte(email + "\x00" + code))
	return hex.EncodeToString(mac.Sum(nil))
}

// tokenHash is SHA-256: 32 random bytes need no key.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

const verificationColumns = `id, user_id, email, code_hash, code_expires_at, attempts, token_hash, token_expires_at,
	sends, window_started_at, last_sent_at, locked_until, verified_at`

// loadVerification reads one row, locked for the transaction of ctx; nil when there is none.
func (m *Module) loadVerification(ctx context.Context, where string, arg any) (*verificationRow, error) {
	q := "SELECT " + verificationColumns + " FROM mail_verifications WHERE " + where
	if m.db.Dialect == db.Postgres {
		q += " FOR UPDATE"
	}
	var r verificationRow
	var tokenHash sql.NullString
	var codeExp, tokenExp, window, last, locked, verified sql.NullTime
	err := m.queryRow(ctx, true, q, arg).Scan(&r.id, &r.userID, &r.email, &r.CodeHash, &codeExp, &r.Attempts, &tokenHash,
		&tokenExp, &r.Sends, &window, &last, &locked, &verified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.Classify(err)
	}
	r.TokenHash = tokenHash.String
	r.CodeExpiresAt, r.TokenExpiresAt, r.WindowStart = codeExp.Time.UTC(), tokenExp.Time.UTC(), window.Time.UTC()
	r.LastSentAt, r.LockedUntil = last.Time.UTC(), locked.Time.UTC()
	for _, t := range []*time.Time{&r.CodeExpiresAt, &r.TokenExpiresAt, &r.WindowStart, &r.LastSentAt, &r.LockedUntil} {
		if t.Year() <= 1 {
			*t = time.Time{}
		}
	}
	if verified.Valid {
		t := verified.Time.UTC()
		r.VerifiedAt = &t
	}
	return &r, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (m *Module) saveVerification(ctx context.Context, r *verificationRow) error {
	now := m.now()
	var verified any
	if r.VerifiedAt != nil {
		verified = r.VerifiedAt.UTC()
	}
	args := []any{int64(r.userID), r.email, r.CodeHash, nullTime(r.CodeExpiresAt), r.Attempts, nullString(r.TokenHash),
		nullTime(r.TokenExpiresAt), r.Sends, nullTime(r.WindowStart), nullTime(r.LastSentAt), nullTime(r.LockedUntil), verified, now}
	if r.isNew {
		_, err := m.exec(ctx, `INSERT INTO mail_verifications (user_id, email, code_hash, code_expires_at, attempts, token_hash,
			token_expires_at, sends, window_started_at, last_sent_at, locked_until, verified_at, updated_at, id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, int64(r.id), now)...)
		r.isNew = false
		return err
	}
	_, err := m.exec(ctx, `UPDATE mail_verifications SET user_id = ?, email = ?, code_hash = ?, code_expires_at = ?, attempts = ?,
		token_hash = ?, token_expires_at = ?, sends = ?, window_started_at = ?, last_sent_at = ?, locked_until = ?, verified_at = ?,
		updated_at = ? WHERE id = ?`, append(args, int64(r.id))...)
	return err
}

// emailOf returns the user's email address (the first one) and whether it is verified.
func (m *Module) emailOf(ctx context.Context, userID id.ID) (string, bool, error) {
	var email string
	var verified bool
	err := m.queryRow(ctx, false, "SELECT value, verified_at IS NOT NULL FROM user_identifiers WHERE user_id = ? AND scheme = 'EMAIL' ORDER BY created_at, value LIMIT 1",
		int64(userID)).Scan(&email, &verified)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, errs.New(errs.Rule, "this account has no email address to verify")
	}
	return email, verified, db.Classify(err)
}

// SendVerification is the MailVerificationService's send: it mails the user's email address a
// fresh 6-digit code (10 minutes, 3 attempts) and a link with a 32-byte token (24 hours), both
// stored only as hashes and both replacing any earlier ones. Mails to one address are at least
// 60 seconds apart, at most 1 + 5 resends in 24 hours, and none during a 15-minute lockout. If the
// mail cannot be sent the attempt is undone, so the user may retry at once.
func (m *Module) SendVerification(ctx context.Context, userID id.ID) (*VerificationStatus, error) {
	email, verified, err := m.emailOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if verified {
		return nil, errAlreadyVerified
	}
	code, token := newCode(), newToken()
	now := m.now()
	var row *verificationRow
	var prev verification
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if row, err = m.loadVerification(ctx, "email = ?", email); err != nil {
			return err
		}
		if row == nil {
			row = &verificationRow{id: m.ids.Next(), email: email, isNew: true}
		}
		if row.userID != userID {
			// The address changed hands: a verification of the old owner means nothing now, but
			// the address keeps its rate limits.
			row.userID, row.VerifiedAt = userID, nil
		}
		prev = row.verification
		if err := row.canSend(now); err != nil {
			return err
		}
		row.sent(now, m.codeHash(email, code), tokenHash(token))
		return m.saveVerification(ctx, row)
	})
	if err != nil {
		return nil, err
	}
	if err := m.mailer.Send(ctx, m.verificationMail(ctx, userID, email, code, token)); err != nil {
		m.log.Error("identity: verification mail failed", "user", userID, "error", err)
		undo := m.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
			cur, err := m.loadVerification(ctx, "id = ?", int64(row.id))
			if err != nil || cur == nil || cur.TokenHash != tokenHash(token) {
				return err
			}
			cur.verification = prev
			return m.saveVerification(ctx, cur)
		})
		if undo != nil {
			m.log.Error("identity: undoing a failed verification mail", "error", undo)
		}
		return nil, errs.Wrap(errs.Unavailable, "the verification mail could not be sent; try again", err)
	}
	return &VerificationStatus{Email: email, CodeExpiresAt: row.CodeExpiresAt, LinkExpiresAt: row.TokenExpiresAt,
		ResendAvailableAt: now.Add(ResendCooldown), ResendsLeft: row.resendsLeft(now)}, nil
}

func (m *Module) verificationMail(ctx context.Context, userID id.ID, email, code, token string) mail.Message {
	name := ""
	_ = m.queryRow(ctx, false, "SELECT display_name FROM user_profiles WHERE user_id = ?", int64(userID)).Scan(&name)
	link := m.opts.VerifyURL
	if link == "" {
		link = "http://localhost:8080/api/auth/verify-email"
	}
	sep := "?"
	if strings.Contains(link, "?") {
		sep = "&"
	}
	link += sep + "token=" + url.QueryEscape(token)
	greeting := "Xin chào,"
	if name != "" {
		greeting = "Xin chào " + name + ","
	}
	text := greeting + "\n\n" +
		"Mã xác minh email BANA của bạn là: " + code + "\n" +
		"Mã có hiệu lực trong 10 phút.\n\n" +
		"Hoặc mở liên kết sau (hiệu lực 24 giờ):\n" + link + "\n\n" +
		"Your BANA email verification code is " + code + " (valid for 10 minutes).\n" +
		"Or open the link above (valid for 24 hours).\n\n" +
		"Nếu bạn không yêu cầu, hãy bỏ qua email này. If you did not ask for this, ignore this email.\n"
	return mail.Message{To: []string{email}, Subject: "Xác minh email BANA / Verify your BANA email", Text: text}
}

// ConfirmCode checks the user's code. A wrong code counts against the 3 attempts even though
// the call fails: its count is committed before the refusal is returned.
func (m *Module) ConfirmCode(ctx context.Context, userID id.ID, code string) (*Verified, error) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, errs.Field("body.code", "must be 6 digits", nil)
	}
	email, verified, err := m.emailOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if verified {
		return nil, errAlreadyVerified
	}
	var refusal error
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		row, err := m.loadVerification(ctx, "email = ?", email)
		if err != nil {
			return err
		}
		if row == nil || row.userID != userID {
			refusal = errNoCode
			return nil
		}
		match := hmac.Equal([]byte(m.codeHash(email, code)), []byte(row.CodeHash))
		refusal = row.confirmCode(m.now(), match)
		if err := m.saveVerification(ctx, row); err != nil {
			return err
		}
		if refusal == nil {
			return m.markVerified(ctx, userID, email)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return nil, refusal
	}
	return &Verified{UserID: userID, Email: email, Verified: true}, nil
}

// ConfirmToken checks a link token (the link needs no sign-in: the token is the proof).
func (m *Module) ConfirmToken(ctx context.Context, token string) (*Verified, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 100 {
		return nil, errs.Field("query.token", "is required", nil)
	}
	var out *Verified
	var refusal error
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		row, err := m.loadVerification(ctx, "token_hash = ?", tokenHash(token))
		if err != nil {
			return err
		}
		if row == nil {
			refusal = errBadToken
			return nil
		}
		if refusal = row.confirmToken(m.now()); refusal != nil {
			return nil
		}
		if err := m.saveVerification(ctx, row); err != nil {
			return err
		}
		out = &Verified{UserID: row.userID, Email: row.email, Verified: true}
		return m.markVerified(ctx, row.userID, row.email)
	})
	if err != nil {
		return nil, err
	}
	return out, refusal
}

func (m *Module) markVerified(ctx context.Context, userID id.ID, email string) error {
	m.accounts.forget(userID)
	_, err := m.exec(ctx, "UPDATE user_identifiers SET verified_at = ?, updated_at = ? WHERE user_id = ? AND scheme = 'EMAIL' AND value = ?",
		m.now(), m.now(), int64(userID), email)
	return err
}
