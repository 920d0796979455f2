package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

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
		return nil, ErrAlreadyVerified
	}
	code, token := newCode(), newToken()
	now := m.now()
	var row *verificationRow
	var prev verification
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if row, err = m.verificationByEmail(ctx, email); err != nil {
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
		return m.saveVerification(ctx, row, now)
	})
	if err != nil {
		return nil, err
	}
	if err := m.mailer.Send(ctx, m.verificationMail(ctx, userID, email, code, token)); err != nil {
		m.log.ErrorContext(ctx, "identity: verification mail failed", "user", userID, "error", err)
		undo := m.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
			cur, err := m.verificationByID(ctx, row.id)
			if err != nil || cur == nil || cur.TokenHash != tokenHash(token) {
				return err
			}
			cur.verification = prev
			return m.saveVerification(ctx, cur, m.now())
		})
		if undo != nil {
			m.log.ErrorContext(ctx, "identity: undoing a failed verification mail", "error", undo)
		}
		return nil, errs.Wrap(ErrMailFailed.Kind, ErrMailFailed.Message, err)
	}
	return &VerificationStatus{Email: email, CodeExpiresAt: row.CodeExpiresAt, LinkExpiresAt: row.TokenExpiresAt,
		ResendAvailableAt: now.Add(ResendCooldown), ResendsLeft: row.resendsLeft(now)}, nil
}

func (m *Module) verificationMail(ctx context.Context, userID id.ID, email, code, token string) mail.Message {
	name := m.displayName(ctx, userID)
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
		return nil, ErrAlreadyVerified
	}
	var refusal error
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		row, err := m.verificationByEmail(ctx, email)
		if err != nil {
			return err
		}
		if row == nil || row.userID != userID {
			refusal = ErrNoCode
			return nil
		}
		now := m.now()
		match := hmac.Equal([]byte(m.codeHash(email, code)), []byte(row.CodeHash))
		refusal = row.confirmCode(now, match)
		if err := m.saveVerification(ctx, row, now); err != nil {
			return err
		}
		if refusal == nil {
			return m.markVerified(ctx, userID, email, now)
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
		row, err := m.verificationByToken(ctx, tokenHash(token))
		if err != nil {
			return err
		}
		if row == nil {
			refusal = ErrBadLink
			return nil
		}
		now := m.now()
		if refusal = row.confirmToken(now); refusal != nil {
			return nil
		}
		if err := m.saveVerification(ctx, row, now); err != nil {
			return err
		}
		out = &Verified{UserID: row.userID, Email: row.email, Verified: true}
		return m.markVerified(ctx, row.userID, row.email, now)
	})
	if err != nil {
		return nil, err
	}
	return out, refusal
}

// markVerified marks the user's email verified, and drops its cached account.
func (m *Module) markVerified(ctx context.Context, userID id.ID, email string, now time.Time) error {
	m.accounts.forget(userID)
	return m.setEmailVerified(ctx, userID, email, now)
}
